// Blocklisted words and domains, each with its own action. Words match whole words only (a letter,
// digit or mark next to the match means it is part of a longer word: "ass" does not hit "class"),
// in any case (Unicode simple case folding: the `iu` flags), after NFC normalisation so a composed
// and a decomposed "é" are the same. A phrase's spaces match any run of whitespace. Domains match
// the hosts of the comment's links and bare mentions in its text, subdomains included.
// Evasions with zero-width characters or look-alike letters are the spam heuristics' job.
import type { BlocklistEntry } from './settings.ts';
import { combine, pass, type Decision, type Phase, type Reason } from './types.ts';

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const wordChar = '[\\p{L}\\p{N}\\p{M}_]';

const wordBody = (term: string): string => term.normalize('NFC').trim().split(/\s+/u).map(escapeRegExp).join('\\s+');

/** Not global, so it keeps no lastIndex between calls and can be cached; masking makes a global copy. */
export function wordPattern(term: string): RegExp {
  return new RegExp(`(?<!${wordChar})${wordBody(term)}(?!${wordChar})`, 'iu');
}

/**
 * All of a list's entries in one pattern: most comments hit no entry, and one scan of the text
 * with an alternation is far cheaper than one scan per entry (bench:moderation measured 500
 * entries at 5 times a comment's render). Only a text the screen hits is checked entry by entry.
 */
function screenOf(entries: readonly BlocklistEntry[]): RegExp | null {
  let re = screens.get(entries);
  if (re === undefined) {
    // words with their whole-word bounds; domains bare (a superset of domainMentionPattern's hits)
    const words = entries.filter((e) => e.kind === 'word').map((e) => wordBody(e.term));
    const domains = entries.filter((e) => e.kind === 'domain').map((e) => escapeRegExp(e.term.trim().toLowerCase()));
    const parts = [...(words.length ? [`(?<!${wordChar})(?:${words.join('|')})(?!${wordChar})`] : []), ...domains];
    re = parts.length === 0 ? null : new RegExp(parts.join('|'), 'iu');
    screens.set(entries, re);
  }
  return re;
}
const screens = new WeakMap<readonly BlocklistEntry[], RegExp | null>();

/** Whether the host or one of its parent domains is a listed domain. */
function listsHost(entries: readonly BlocklistEntry[], host: string): boolean {
  let set = domainSets.get(entries);
  if (set === undefined) {
    set = new Set(entries.filter((e) => e.kind === 'domain').map((e) => e.term.trim().toLowerCase()));
    domainSets.set(entries, set);
  }
  if (set.size === 0) return false;
  for (let at = 0; at !== -1; at = host.indexOf('.', at) + 1 || -1) {
    if (set.has(host.slice(at))) return true;
  }
  return false;
}
const domainSets = new WeakMap<readonly BlocklistEntry[], Set<string>>();

// A forum's settings object is long-lived (kept by the caller), so each entry's pattern is built
// once, not once per comment; a WeakMap lets it go with the settings.
const compiled = new WeakMap<BlocklistEntry, RegExp>();
function patternOf(entry: BlocklistEntry): RegExp {
  let re = compiled.get(entry);
  if (re === undefined) {
    re = entry.kind === 'domain' ? domainMentionPattern(entry.term.trim().toLowerCase()) : wordPattern(entry.term);
    compiled.set(entry, re);
  }
  return re;
}

function domainMentionPattern(domain: string): RegExp {
  // a mention ends at anything that cannot continue a host name; a final full stop ends a sentence
  return new RegExp(`(?<![\\p{L}\\p{N}.-])(?:[\\p{L}\\p{N}-]+\\.)*${escapeRegExp(domain)}(?![\\p{L}\\p{N}-]|\\.[\\p{L}\\p{N}])`, 'iu');
}

function hostOf(href: string): string | null {
  try {
    return new URL(href).hostname.toLowerCase();
  } catch {
    return null;
  }
}

function domainHit(entry: BlocklistEntry, text: string, hosts: readonly string[]): boolean {
  const d = entry.term.trim().toLowerCase();
  return hosts.some((host) => host === d || host.endsWith(`.${d}`)) || patternOf(entry).test(text);
}

/** Each character of the match but whitespace becomes an asterisk, so the text keeps its shape. */
const mask = (match: string): string => match.replace(/\S/gu, '*');

function reasonFor(entry: BlocklistEntry): Reason {
  return { phase: 'blocklist', code: `blocklisted_${entry.kind}`, detail: `${entry.kind} "${entry.term}" (${entry.action})` };
}

export const blocklistPhase: Phase = {
  name: 'blocklist',
  run(ctx, settings): Decision {
    if (!settings.blocklist.enabled || settings.blocklist.entries.length === 0) return pass;
    const text = ctx.text.normalize('NFC');
    let masked: string | undefined;
    const found: { action: 'hold' | 'spam'; reason: Reason }[] = [];
    const hosts = ctx.links.map(hostOf).filter((h) => h !== null);
    // a domain in a link's host may not be in the text (an HTML link's href): hosts are looked up apart
    if (!hosts.some((h) => listsHost(settings.blocklist.entries, h)) && !screenOf(settings.blocklist.entries)?.test(text)) return pass;
    for (const entry of settings.blocklist.entries) {
      const hit = entry.kind === 'domain' ? domainHit(entry, text, hosts) : patternOf(entry).test(text);
      if (!hit) continue;
      if (entry.action === 'reject') return { action: 'reject', code: 'comment_blocked', reason: reasonFor(entry) };
      if (entry.action === 'mask') masked = (masked ?? text).replace(new RegExp(patternOf(entry).source, 'giu'), mask);
      else found.push({ action: entry.action, reason: reasonFor(entry) });
    }
    return combine(found, masked);
  },
};
