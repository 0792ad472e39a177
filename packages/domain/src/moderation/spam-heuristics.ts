// Built-in spam signals that need no outside service. Signals no person produces mark the comment
// as spam; signals a person might produce only hold it:
//   honeypot filled          -> spam  (a hidden field only form-filling bots see)
//   too fast after load      -> spam  (posted sooner than minMsAfterWidgetLoad after the widget loaded)
//   same text across threads -> spam  (repeatedTextCount copies, this one included)
//   link density             -> hold  (2+ links and more than maxLinksPer100Words links per 100 words)
//   character tricks         -> hold  (see character-tricks.ts)
import { characterTricks } from './character-tricks.ts';
import { combine, pass, type Phase, type Reason } from './types.ts';

/** Short texts ("Thanks!", "+1") are repeated by people; only longer ones count as copies. */
export const minRepeatedTextLength = 20;

export function normaliseForRepeat(text: string): string {
  return text.normalize('NFKC').replace(/[\u200B-\u200D\u2060\uFEFF\u00AD]/gu, '').toLowerCase().replace(/\s+/gu, ' ').trim();
}

const wordCount = (text: string): number => text.split(/\s+/u).filter((w) => w.length > 0).length;

export const spamHeuristicsPhase: Phase = {
  name: 'spamHeuristics',
  run(ctx, settings) {
    const s = settings.spamHeuristics;
    if (!s.enabled) return pass;
    const found: { action: 'hold' | 'spam'; reason: Reason }[] = [];
    const add = (action: 'hold' | 'spam', code: string, detail: string): number => found.push({ action, reason: { phase: 'spamHeuristics', code, detail } });

    if (s.honeypot && ctx.honeypot !== null && ctx.honeypot !== '') add('spam', 'honeypot', 'the hidden honeypot field was filled');
    if (s.minMsAfterWidgetLoad > 0 && ctx.msSinceWidgetLoad !== null && ctx.msSinceWidgetLoad < s.minMsAfterWidgetLoad) {
      add('spam', 'too_fast', `posted ${ctx.msSinceWidgetLoad} ms after the widget loaded; at least ${s.minMsAfterWidgetLoad} ms expected`);
    }
    if (s.repeatedTextCount > 0) {
      const mine = normaliseForRepeat(ctx.text);
      if (mine.length >= minRepeatedTextLength) {
        const copies = 1 + ctx.recentTexts.filter((t) => normaliseForRepeat(t) === mine).length;
        if (copies >= s.repeatedTextCount) add('spam', 'repeated_text', `the same text ${copies} times across threads`);
      }
    }
    if (s.maxLinksPer100Words > 0 && ctx.links.length >= 2) {
      const perHundred = (ctx.links.length * 100) / Math.max(wordCount(ctx.text), 1);
      if (perHundred > s.maxLinksPer100Words) add('hold', 'link_density', `${Math.round(perHundred)} links per 100 words; at most ${s.maxLinksPer100Words}`);
    }
    if (s.characterTricks) for (const trick of characterTricks(ctx.text)) add('hold', trick, `character trick: ${trick.replace('_', ' ')}`);
    return combine(found);
  },
};
