// Links are what spam is for. More than maxLinks holds the comment; a new commenter's link (see
// new-commenter.ts for who counts as new) is held or marked as spam as the forum chooses.
import { isNewCommenter } from './new-commenter.ts';
import { combine, pass, type Phase, type Reason } from './types.ts';

export const linksPhase: Phase = {
  name: 'links',
  run(ctx, settings) {
    const s = settings.links;
    if (!s.enabled || ctx.links.length === 0) return pass;
    const found: { action: 'hold' | 'spam'; reason: Reason }[] = [];
    if (ctx.links.length > s.maxLinks) {
      found.push({ action: 'hold', reason: { phase: 'links', code: 'too_many_links', detail: `${ctx.links.length} links; at most ${s.maxLinks}` } });
    }
    if (s.newCommenterLinks !== 'allow' && isNewCommenter(ctx, settings)) {
      found.push({ action: s.newCommenterLinks, reason: { phase: 'links', code: 'new_commenter_link', detail: 'a link from a new commenter' } });
    }
    return combine(found);
  },
};
