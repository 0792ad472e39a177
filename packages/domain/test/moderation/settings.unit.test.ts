import t from 'tap';
import { allPhasesOff, checkModerationSettings, defaultModerationSettings, mergeModerationSettings, maxBlocklistEntries, type BlocklistEntry, type ModerationSettings } from '@parley/domain';
import { throwsCode } from '../assert-code.ts';
import { settingsWith } from './context.ts';

t.test('given the defaults, then they are valid, frozen and suit a small blog', async (t) => {
  t.equal(checkModerationSettings(defaultModerationSettings), defaultModerationSettings);
  t.ok(Object.isFrozen(defaultModerationSettings) && Object.isFrozen(defaultModerationSettings.spamHeuristics) && Object.isFrozen(defaultModerationSettings.blocklist.entries), 'frozen all the way down');
  t.match(defaultModerationSettings, {
    bans: { enabled: true },
    blocklist: { enabled: true, entries: [] },
    links: { maxLinks: 3, newCommenterLinks: 'hold' },
    newCommenter: { minApprovedComments: 1, holdFirstGuestEmail: true },
    spamHeuristics: { honeypot: true, minMsAfterWidgetLoad: 3000, repeatedTextCount: 3, characterTricks: true },
  });
});

t.test('given valid changes, then they are accepted', async (t) => {
  const s = settingsWith({
    blocklist: { entries: [{ kind: 'word', term: 'casino', action: 'reject' }, { kind: 'word', term: 'darn it', action: 'mask' }, { kind: 'domain', term: 'spam.example', action: 'spam' }] },
    links: { maxLinks: 0, newCommenterLinks: 'allow' },
    spamHeuristics: { minMsAfterWidgetLoad: 0, repeatedTextCount: 0, maxLinksPer100Words: 0 },
  });
  t.equal(checkModerationSettings(s), s);
});

t.test('given a bad value, then invalid_settings names it', async (t) => {
  const cases: [string, ModerationSettings, RegExp][] = [
    ['negative maxLinks', settingsWith({ links: { maxLinks: -1 } }), /links\.maxLinks must be a whole number from 0 to 100/],
    ['fractional threshold', settingsWith({ newCommenter: { minApprovedComments: 1.5 } }), /minApprovedComments/],
    ['huge account age', settingsWith({ newCommenter: { minAccountAgeDays: 99999 } }), /minAccountAgeDays/],
    ['a string for a number', settingsWith({ spamHeuristics: { minMsAfterWidgetLoad: '3000' as unknown as number } }), /minMsAfterWidgetLoad/],
    ['repeatedTextCount 1', settingsWith({ spamHeuristics: { repeatedTextCount: 1 } }), /0 \(off\) or at least 2/],
    ['a string for a flag', settingsWith({ bans: { enabled: 'yes' as unknown as boolean } }), /bans\.enabled must be true or false/],
    ['unknown newCommenterLinks', settingsWith({ links: { newCommenterLinks: 'ban' as 'hold' } }), /newCommenterLinks must be allow, hold or spam/],
  ];
  for (const [why, s, message] of cases) t.match(throwsCode(t, () => checkModerationSettings(s), 'invalid_settings', why)?.message, message, `${why}: the message says what to fix`);
});

t.test('given a bad blocklist entry, then invalid_settings names the entry', async (t) => {
  const entry = (e: Partial<BlocklistEntry>): ModerationSettings => settingsWith({ blocklist: { entries: [{ kind: 'word', term: 'ok', action: 'hold' }, { kind: 'word', term: 'x', action: 'hold', ...e }] } });
  const cases: [string, ModerationSettings, RegExp][] = [
    ['empty term', entry({ term: '  ' }), /entries\[1\]\.term must be 1 to 100 characters/],
    ['long term', entry({ term: 'x'.repeat(101) }), /term must be 1 to 100/],
    ['punctuation only', entry({ term: '!!!' }), /must contain a letter or a digit/],
    ['unknown action', entry({ action: 'delete' as 'hold' }), /action must be one of hold, spam, reject, mask/],
    ['unknown kind', entry({ kind: 'regex' as 'word' }), /kind must be word or domain/],
    ['a URL for a domain', entry({ kind: 'domain', term: 'https://spam.example/' }), /must be a domain name/],
    ['a bare word for a domain', entry({ kind: 'domain', term: 'localhost' }), /must be a domain name/],
    ['a masked domain', entry({ kind: 'domain', term: 'spam.example', action: 'mask' }), /a domain cannot be masked/],
  ];
  for (const [why, s, message] of cases) t.match(throwsCode(t, () => checkModerationSettings(s), 'invalid_settings', why)?.message, message, why);
  const many = settingsWith({ blocklist: { entries: Array.from({ length: maxBlocklistEntries + 1 }, (_, i) => ({ kind: 'word' as const, term: `w${i}`, action: 'hold' as const })) } });
  throwsCode(t, () => checkModerationSettings(many), 'invalid_settings', `more than ${maxBlocklistEntries} entries`);
});

t.test('allPhasesOff switches every section off and nothing else', async (t) => {
  const off = mergeModerationSettings(undefined, allPhasesOff);
  for (const [name, section] of Object.entries(off)) t.equal((section as { enabled: boolean }).enabled, false, `${name} is off`);
  t.equal(off.links.maxLinks, defaultModerationSettings.links.maxLinks, 'thresholds keep their values');
});
