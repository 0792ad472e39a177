// Which author facts a write reads, from the forum's enabled phases: a phase turned off costs
// nothing, and the links phase asks who is new even when the newCommenter phase is off.
import { defaultModerationSettings, mergeModerationSettings, type ModerationSettingsPatch } from '@parley/domain';
import t from 'tap';
import { authorFactsNeed, recentTextsLimit, type FactsRequest } from '../src/commands/moderation-facts.ts';

const off: ModerationSettingsPatch = {
  bans: { enabled: false },
  blocklist: { enabled: false },
  links: { enabled: false },
  newCommenter: { enabled: false },
  spamHeuristics: { enabled: false },
};

const request = (settings: ModerationSettingsPatch, o: Partial<FactsRequest> = {}): FactsRequest => ({
  forumId: '1',
  threadId: '2',
  settings: mergeModerationSettings(settings),
  text: 'a comment long enough to be compared with others',
  html: '',
  author: { userId: null, email: 'guest@example.com', ip: '127.0.0.1' },
  accountCreatedAt: null,
  ...o,
});

const none = { approvedCap: 0, guestSeen: false, recentLimit: 0 };

t.test('every phase off: nothing to read', async (t) => {
  t.same(authorFactsNeed(request(off), ['https://a.example/']), none);
});

t.test('newCommenter: the approved count up to its threshold, and a guest email seen before', async (t) => {
  const s = { ...off, newCommenter: { enabled: true, minApprovedComments: 3, holdFirstGuestEmail: true } };
  t.same(authorFactsNeed(request(s), []), { approvedCap: 3, guestSeen: true, recentLimit: 0 });
  t.same(authorFactsNeed(request(s, { author: { userId: '5', email: null, ip: null } }), []), { approvedCap: 3, guestSeen: false, recentLimit: 0 }, 'a user has no guest email');
  t.same(authorFactsNeed(request(s, { edit: true }), []), { approvedCap: 3, guestSeen: false, recentLimit: 0 }, 'an edit: the comment exists, it is not a first');
  t.same(authorFactsNeed(request({ ...s, newCommenter: { enabled: true, minApprovedComments: 0, holdFirstGuestEmail: false } }), []), none, 'thresholds at 0: nothing');
});

t.test('links: who is new only for a comment with a link, and only when new commenters\' links are not allowed', async (t) => {
  const s = { ...off, links: { enabled: true, newCommenterLinks: 'hold' as const } };
  t.same(authorFactsNeed(request(s), []), none, 'no link');
  t.same(authorFactsNeed(request(s), ['https://a.example/']), { approvedCap: defaultModerationSettings.newCommenter.minApprovedComments, guestSeen: true, recentLimit: 0 });
  t.same(authorFactsNeed(request({ ...off, links: { enabled: true, newCommenterLinks: 'allow' } }), ['https://a.example/']), none, 'allow');
});

t.test('spamHeuristics: recent texts for the repeated-text check, on texts long enough to count', async (t) => {
  const s = { ...off, spamHeuristics: { enabled: true } };
  t.same(authorFactsNeed(request(s), []), { ...none, recentLimit: recentTextsLimit });
  t.same(authorFactsNeed(request(s, { text: 'thanks!' }), []), none, 'a short text is never a copy');
  t.same(authorFactsNeed(request({ ...off, spamHeuristics: { enabled: true, repeatedTextCount: 0 } }), []), none, 'repeatedTextCount 0');
});
