// Which phases run and their thresholds. The defaults suit a small blog: nothing is rejected that a
// person would write; a first-time commenter's comment goes up at once unless it carries a link
// (links are what spam is for: that one waits for a moderator); holding every first comment, as
// WordPress does, is one switch away (newCommenter.enabled); and only signals no person produces
// (a filled honeypot, a post seconds after the page loaded, the same text pasted in many threads)
// mark a comment as spam.
import { ParleyError } from '../errors.ts';

export const blocklistActions = ['hold', 'spam', 'reject', 'mask'] as const;
export type BlocklistAction = (typeof blocklistActions)[number];

export interface BlocklistEntry {
  /** a word or phrase (matched as whole words, any case), or a domain (matched with its subdomains) */
  kind: 'word' | 'domain';
  term: string;
  /** mask is for words only: the word is replaced by asterisks and the comment goes on */
  action: BlocklistAction;
}

export type FindingAction = 'hold' | 'spam';

export interface ModerationSettings {
  bans: { enabled: boolean };
  blocklist: { enabled: boolean; entries: BlocklistEntry[] };
  links: { enabled: boolean; maxLinks: number; newCommenterLinks: FindingAction | 'allow' };
  newCommenter: { enabled: boolean; minApprovedComments: number; minAccountAgeDays: number; holdFirstGuestEmail: boolean };
  spamHeuristics: {
    enabled: boolean;
    honeypot: boolean;
    /** 0 turns the check off */
    minMsAfterWidgetLoad: number;
    /** links per 100 words above which a comment of at least 2 links is held; 0 turns it off */
    maxLinksPer100Words: number;
    /** this many copies of one text across threads (this one included) marks it as spam; 0 turns it off */
    repeatedTextCount: number;
    characterTricks: boolean;
  };
  /** ask Akismet (instance config PARLEY_AKISMET_KEY) about comments the rules let through; off by default: it sends comments to a third party */
  akismet: { enabled: boolean };
  /** readers' reports: whether readers may flag comments, and how many distinct readers send a published comment back to the queue */
  flags: { enabled: boolean; holdAfter: number };
}

// frozen all the way down: a caller that wants changes builds a new object
export const defaultModerationSettings: ModerationSettings = deepFreeze({
  bans: { enabled: true },
  blocklist: { enabled: true, entries: [] },
  links: { enabled: true, maxLinks: 3, newCommenterLinks: 'hold' },
  newCommenter: { enabled: false, minApprovedComments: 1, minAccountAgeDays: 0, holdFirstGuestEmail: true },
  spamHeuristics: { enabled: true, honeypot: true, minMsAfterWidgetLoad: 3000, maxLinksPer100Words: 20, repeatedTextCount: 3, characterTricks: true },
  akismet: { enabled: false },
  flags: { enabled: true, holdAfter: 3 },
});

/** A change to the rules: any section, any field of it; lists (the blocklist) are replaced whole. */
export type ModerationSettingsPatch = { [K in keyof ModerationSettings]?: Partial<ModerationSettings[K]> };

/**
 * The rules with every section and field filled in: a change merged over the current rules, which
 * are merged over the defaults, so rules stored before a section existed get that section's defaults.
 */
export function mergeModerationSettings(current: ModerationSettingsPatch | undefined, change: ModerationSettingsPatch = {}): ModerationSettings {
  const out: Record<string, Record<string, unknown>> = {};
  for (const key of Object.keys(defaultModerationSettings) as (keyof ModerationSettings)[]) {
    const merged: Record<string, unknown> = { ...defaultModerationSettings[key], ...current?.[key], ...change[key] };
    // only the fields the defaults name: a field this version does not know is not kept
    out[key] = Object.fromEntries(Object.keys(defaultModerationSettings[key]).map((f) => [f, merged[f]]));
  }
  return out as unknown as ModerationSettings;
}

/** Every phase switched off (the thresholds keep their values): a forum that judges nothing, for benchmarks and for tests of one phase. */
export const allPhasesOff: ModerationSettingsPatch = Object.freeze(
  Object.fromEntries(Object.keys(defaultModerationSettings).map((k) => [k, { enabled: false }])),
);

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (typeof v === 'object' && v !== null) deepFreeze(v as object);
  return Object.freeze(o);
}

export const maxBlocklistEntries = 1000;
const maxTermLength = 100;
const domainPattern = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;

const invalid = (message: string, details?: Record<string, unknown>): never => {
  throw new ParleyError('invalid_settings', { message, details });
};

function wholeNumber(path: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(`moderation.${path} must be a whole number from ${min} to ${max}.`, { [path]: v });
}

function flag(path: string, v: unknown): void {
  if (typeof v !== 'boolean') invalid(`moderation.${path} must be true or false.`, { [path]: v });
}

function checkEntry(e: BlocklistEntry, i: number): void {
  const at = `moderation.blocklist.entries[${i}]`;
  if (e.kind !== 'word' && e.kind !== 'domain') invalid(`${at}.kind must be word or domain.`);
  if (!(blocklistActions as readonly string[]).includes(e.action)) invalid(`${at}.action must be one of ${blocklistActions.join(', ')}.`);
  const term = typeof e.term === 'string' ? e.term.trim() : '';
  if (term.length === 0 || term.length > maxTermLength) invalid(`${at}.term must be 1 to ${maxTermLength} characters.`);
  if (e.kind === 'domain') {
    if (!domainPattern.test(term)) invalid(`${at}.term must be a domain name such as example.com (no scheme, path or port).`, { term });
    if (e.action === 'mask') invalid(`${at}: a domain cannot be masked; hold, spam or reject it.`);
  } else if (!/[\p{L}\p{N}]/u.test(term)) {
    invalid(`${at}.term must contain a letter or a digit.`, { term });
  }
}

/** Throws invalid_settings naming the first bad value; returns the settings unchanged when valid. */
export function checkModerationSettings(s: ModerationSettings): ModerationSettings {
  flag('bans.enabled', s.bans?.enabled);
  flag('blocklist.enabled', s.blocklist?.enabled);
  if (!Array.isArray(s.blocklist.entries)) invalid('moderation.blocklist.entries must be a list.');
  if (s.blocklist.entries.length > maxBlocklistEntries) invalid(`moderation.blocklist.entries holds at most ${maxBlocklistEntries} entries.`);
  s.blocklist.entries.forEach(checkEntry);
  flag('links.enabled', s.links?.enabled);
  wholeNumber('links.maxLinks', s.links.maxLinks, 0, 100);
  if (!['allow', 'hold', 'spam'].includes(s.links.newCommenterLinks)) invalid('moderation.links.newCommenterLinks must be allow, hold or spam.');
  flag('newCommenter.enabled', s.newCommenter?.enabled);
  wholeNumber('newCommenter.minApprovedComments', s.newCommenter.minApprovedComments, 0, 1000);
  wholeNumber('newCommenter.minAccountAgeDays', s.newCommenter.minAccountAgeDays, 0, 3650);
  flag('newCommenter.holdFirstGuestEmail', s.newCommenter.holdFirstGuestEmail);
  const h = s.spamHeuristics;
  flag('spamHeuristics.enabled', h?.enabled);
  flag('spamHeuristics.honeypot', h.honeypot);
  wholeNumber('spamHeuristics.minMsAfterWidgetLoad', h.minMsAfterWidgetLoad, 0, 600_000);
  wholeNumber('spamHeuristics.maxLinksPer100Words', h.maxLinksPer100Words, 0, 100);
  wholeNumber('spamHeuristics.repeatedTextCount', h.repeatedTextCount, 0, 100);
  if (h.repeatedTextCount === 1) invalid('moderation.spamHeuristics.repeatedTextCount must be 0 (off) or at least 2: every text is posted once.');
  flag('spamHeuristics.characterTricks', h.characterTricks);
  flag('akismet.enabled', s.akismet?.enabled);
  flag('flags.enabled', s.flags?.enabled);
  wholeNumber('flags.holdAfter', s.flags.holdAfter, 1, 1000);
  return s;
}
