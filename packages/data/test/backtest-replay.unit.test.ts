// The backtest's pure part, given/when/then: each comment judged with the facts as they were when it
// was written (history from earlier events only), fates read from later status events, and the tally
// of false positives and misses. No database.
import t from 'tap';
import { defaultModerationSettings, type ModerationSettings, type PostRecord } from '@parley/domain';
import { backtestBans, backtestRules, fateOf, linksOf, Replay, Tally, type PastComment } from '@parley/data';

const t0 = new Date('2026-12-01T12:00:00Z');
const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);
let ids = 0;

function comment(o: { threadId?: string; userId?: string | null; email?: string | null; message?: string; html?: string; status?: PostRecord['status']; at?: Date; accountCreatedAt?: Date | null } = {}): PastComment {
  const id = String(++ids);
  const post = {
    id, threadId: o.threadId ?? '1', forumId: '1', parentId: null, depth: 0, path: [id],
    authorUserId: o.userId ?? null, authorName: 'someone', message: o.message ?? `an ordinary remark number ${id}`, html: o.html ?? '<p>x</p>',
    status: o.status ?? 'approved', initialStatus: o.status ?? 'approved', prevStatus: null, moderationReasons: [], flagCount: 0,
    revision: 1, score: 0, replyCount: 0, notify: false, createdAt: o.at ?? t0, editedAt: null,
  } as unknown as PostRecord;
  return { post, at: o.at ?? t0, authorEmail: o.email === undefined ? 'guest@example.org' : o.email, accountCreatedAt: o.accountCreatedAt ?? null };
}

/** Only the new-commenter phase, holding below one approved comment and a guest's first email. */
const newcomers: ModerationSettings = backtestRules(defaultModerationSettings, {
  bans: { enabled: false }, links: { enabled: false }, spamHeuristics: { enabled: false },
  newCommenter: { enabled: true, minApprovedComments: 1, holdFirstGuestEmail: true, minAccountAgeDays: 30 },
});

t.test('approved comments so far: from the comments written approved and later status changes, per author', async (t) => {
  const r = new Replay({ settings: backtestRules(newcomers, { newCommenter: { holdFirstGuestEmail: false } }) });
  const first = comment({ email: 'Ada@Example.org', status: 'pending' });
  t.equal(r.comment(first).verdict, 'held', 'nothing approved yet');
  t.equal(r.comment(comment({ email: 'ada@example.org' })).verdict, 'held', 'the pending one does not count');
  r.statusChanged({ ...first.post, status: 'approved', prevStatus: 'pending' }, 'ADA@example.org');
  t.equal(r.comment(comment({ email: 'ada@example.org' })).verdict, 'approved', 'two approved now (any case of the email)');
  t.equal(r.comment(comment({ email: 'bob@example.org' })).verdict, 'held', 'another author has their own count');
});

t.test('a deletion takes an approved comment out of the count', async (t) => {
  const r = new Replay({ settings: backtestRules(newcomers, { newCommenter: { holdFirstGuestEmail: false } }) });
  const only = comment({ userId: '7', email: null, accountCreatedAt: minutes(-60 * 24 * 365) });
  r.comment(only);
  r.statusChanged({ ...only.post, status: 'deleted', prevStatus: 'approved' }, null);
  t.same(r.comment(comment({ userId: '7', email: null, accountCreatedAt: minutes(-60 * 24 * 365) })).reasons.map((x) => x.code), ['few_approved_comments']);
});

t.test('first guest email, and the account age at the time of the comment', async (t) => {
  const r = new Replay({ settings: backtestRules(newcomers, { newCommenter: { minApprovedComments: 0 } }) });
  t.same(r.comment(comment({ email: 'new@example.org' })).reasons.map((x) => x.code), ['first_guest_comment']);
  t.equal(r.comment(comment({ email: 'NEW@example.org' })).verdict, 'approved', 'seen before');
  t.equal(r.comment(comment({ email: null })).verdict, 'approved', 'a guest without an email is not a first email');
  const young = comment({ userId: '9', email: null, accountCreatedAt: minutes(-60 * 24 * 3) });
  t.same(r.comment(young).reasons.map((x) => x.code), ['young_account'], 'three days old then');
  t.equal(r.comment(comment({ userId: '10', email: null, accountCreatedAt: null })).verdict, 'approved', 'an account gone since: age unknown');
});

t.test('the same text in other threads within the window marks the third copy as spam', async (t) => {
  const settings = backtestRules(defaultModerationSettings, { newCommenter: { enabled: false }, links: { enabled: false } });
  const r = new Replay({ settings, recentWindowMs: 3_600_000 });
  const spam = 'Cheap watches for everyone, best prices online';
  t.equal(r.comment(comment({ threadId: '1', message: spam, at: minutes(0) })).verdict, 'approved');
  t.equal(r.comment(comment({ threadId: '2', message: `  ${spam.toUpperCase()} `, at: minutes(1) })).verdict, 'approved', 'two copies (any case, any spacing)');
  t.equal(r.comment(comment({ threadId: '2', message: spam, at: minutes(2) })).verdict, 'approved', 'its own thread does not count: two again');
  const fourth = r.comment(comment({ threadId: '3', message: spam, at: minutes(3) }));
  t.same([fourth.verdict, fourth.reasons.map((x) => x.code)], ['spam', ['repeated_text']], 'three earlier copies elsewhere');
  r.prune(minutes(200));
  t.equal(r.comment(comment({ threadId: '4', message: spam, at: minutes(200) })).verdict, 'approved', 'outside the window: forgotten');
});

t.test('a masking rule still sees the copies (the check compares the masked texts itself)', async (t) => {
  const settings = backtestRules(defaultModerationSettings, {
    newCommenter: { enabled: false }, links: { enabled: false }, blocklist: { entries: [{ kind: 'word', term: 'darn', action: 'mask' }] },
  });
  const r = new Replay({ settings });
  for (const threadId of ['1', '2']) r.comment(comment({ threadId, message: 'this darn thing is broken again today' }));
  t.equal(r.comment(comment({ threadId: '3', message: 'this darn thing is broken again today' })).verdict, 'spam');
});

t.test('links come from the rendered html; a closed thread (when the log says so) rejects', async (t) => {
  t.same(linksOf('<p><a href="https://a.example/x?y=1&amp;z=2" rel="nofollow">a</a> and <a rel="x" href="http://b.example">b</a></p>'), ['https://a.example/x?y=1&z=2', 'http://b.example']);
  const r = new Replay({ settings: backtestRules(defaultModerationSettings, { newCommenter: { enabled: false }, links: { maxLinks: 1, newCommenterLinks: 'allow' } }) });
  const linked = comment({ html: '<p><a href="https://a.example">a</a> <a href="https://b.example">b</a></p>', message: 'two links in here, see them, and a long enough comment around them so that their density stays low' });
  t.same(r.comment(linked).reasons.map((x) => x.code), ['too_many_links']);
  r.threadStatus('5', true);
  const closed = r.comment(comment({ threadId: '5' }));
  t.same([closed.verdict, closed.reasons.map((x) => x.code)], ['rejected', ['thread_closed']]);
  r.threadStatus('5', false);
  t.equal(r.comment(comment({ threadId: '5' })).verdict, 'approved');
});

t.test('fates: the last status after the later events; approved after waiting is told apart', async (t) => {
  t.equal(fateOf('approved', []), 'approved');
  t.equal(fateOf('approved', ['PostDeleted']), 'deleted');
  t.equal(fateOf('approved', ['PostMarkedSpam', 'PostApproved']), 'approved');
  t.equal(fateOf('pending', ['PostApproved']), 'approvedAfterHold');
  t.equal(fateOf('approved', ['PostHeld', 'PostApproved']), 'approvedAfterHold');
  t.equal(fateOf('pending', []), 'pending');
  t.equal(fateOf('approved', ['PostDeleted', 'PostRestored']), 'approved', 'restored: published again');
  t.equal(fateOf('approved', ['PostShadowed']), 'shadowed');
});

t.test('the tally: a false positive stops a comment that went out, a miss lets through one that was removed; samples are bounded', async (t) => {
  const tally = new Tally(1);
  const item = (verdict: 'approved' | 'held' | 'spam' | 'rejected', fate: 'approved' | 'approvedAfterHold' | 'deleted' | 'spam' | 'pending', n = 1) => {
    for (let i = 0; i < n; i++) tally.add({ postId: String(++ids), threadId: '1', at: t0, verdict, fate, reasons: [] });
  };
  item('held', 'approved', 2);
  item('spam', 'approvedAfterHold');
  item('held', 'approvedAfterHold');
  item('approved', 'deleted', 3);
  item('approved', 'spam');
  item('spam', 'spam');
  item('approved', 'pending');
  const r = tally.result();
  t.equal(r.comments, 10);
  t.equal(r.falsePositives.count, 3, 'held or spam though it stayed; spam though a moderator published it');
  t.equal(r.misses.count, 4);
  t.equal(r.falsePositives.sample.length, 1);
  t.equal(r.falsePositives.sample[0].at, t0.toISOString());
  t.same(r.matrix.approved, { approved: 0, approvedAfterHold: 0, pending: 1, spam: 1, deleted: 3, shadowed: 0 });
});

t.test('rules: a change merged over the current rules, checked; a bad shape names itself', async (t) => {
  const current = backtestRules(defaultModerationSettings, { links: { maxLinks: 5 } });
  const merged = backtestRules(current, { blocklist: { entries: [{ kind: 'word', term: 'casino', action: 'spam' }] } });
  t.equal(merged.links.maxLinks, 5, 'fields left out keep the forum\'s value');
  t.equal(merged.blocklist.entries.length, 1);
  t.throws(() => backtestRules(current, []), { code: 'invalid_settings', message: /rules must be an object/ });
  t.throws(() => backtestRules(current, { akismet2: {} }), { code: 'invalid_settings', message: /rules.akismet2 is not a moderation section/ });
  t.throws(() => backtestRules(current, { links: 3 }), { code: 'invalid_settings', message: /rules.links must be an object/ });
  t.throws(() => backtestRules(current, { links: { maxLinks: -1 } }), { code: 'invalid_settings', message: /links.maxLinks must be a whole number/ });
});

t.test('bans: checked and turned into the pipeline\'s bans; a bad entry names itself', async (t) => {
  t.same(backtestBans(undefined), []);
  t.same(backtestBans([{ kind: 'range', value: '10.0.0.0/8', expiresAt: '2030-01-01T00:00:00Z', reason: 'net' }]), [
    { kind: 'range', value: '10.0.0.0/8', expiresAt: new Date('2030-01-01T00:00:00Z'), reason: 'net', mode: 'ban' },
  ]);
  t.throws(() => backtestBans({}), { code: 'invalid_field', message: /bans must be a list/ });
  t.throws(() => backtestBans([{ kind: 'planet', value: 'x' }]), { code: 'invalid_field', message: /bans\[0\]\.kind must be one of/ });
  t.throws(() => backtestBans([{ kind: 'user', value: '' }]), { message: /bans\[0\]\.value/ });
  t.throws(() => backtestBans([{ kind: 'user', value: '1', mode: 'ghost' }]), { message: /mode must be ban or shadow/ });
  t.throws(() => backtestBans([{ kind: 'user', value: '1', expiresAt: 'later' }]), { message: /expiresAt must be a date/ });
  t.throws(() => backtestBans([{ kind: 'user', value: '1', expiresAt: 5 }]), { message: /expiresAt must be a date/ });
});
