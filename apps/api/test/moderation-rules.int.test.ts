// The moderation rules on the write path: each phase's settings reached through a real write over
// HTTP, the outcome stored on the post (status, reasons, masked text), and who may read why.
import t from 'tap';
import { allPhasesOff, insertBan, moderationEnv } from './moderation-env.ts';

const reasonCodes = (p: any): string[] => p.moderation.reasons.map((r: any) => r.code);

t.test('bans: account, email (any case), address, range, instance-wide; lifted, expired and other forums\' bans do not count', async (t) => {
  const env = await moderationEnv(t, { ...allPhasesOff, bans: { enabled: true } });
  const { api, http, forum } = env;
  const other = (await api.forum()).forum;
  const user = (await http('POST', '/v1/users', { username: 'banned1', email: 'banned1@example.com', password: 'password-1' })).body;
  await insertBan(api, { forumId: forum.id, kind: 'user', value: user.user.id });
  await insertBan(api, { forumId: forum.id, kind: 'email', value: 'spammer@example.com' });
  await insertBan(api, { forumId: other.id, kind: 'email', value: 'elsewhere@example.com' });
  await insertBan(api, { forumId: forum.id, kind: 'email', value: 'lifted@example.com', lifted: true });
  await insertBan(api, { forumId: forum.id, kind: 'email', value: 'expired@example.com', expiresAt: new Date(Date.now() - 60_000) });
  await insertBan(api, { forumId: null, kind: 'email', value: 'everywhere@example.com' });

  const before = await env.written();
  for (const [what, r] of [
    ['the account', await env.say('hello', { token: user.token })],
    ['the email, in another case', await env.say('hello', { email: 'SPAMMER@Example.com' })],
    ['an instance-wide ban', await env.say('hello', { email: 'everywhere@example.com' })],
  ] as const) {
    t.equal(r.status, 403, what);
    t.equal(r.body.error.code, 'author_banned', what);
    t.notMatch(JSON.stringify(r.body), /test ban|banned_/, `${what}: the reason and the kind stay with the moderators`);
  }
  t.same(await env.written(), before, 'a refused comment writes nothing: no post, no event');
  for (const email of ['elsewhere@example.com', 'lifted@example.com', 'expired@example.com']) {
    t.equal((await env.say('hello', { email })).status, 201, `${email} may comment`);
  }

  // an edit is judged as its author's: a guest banned after commenting cannot edit either
  const before2 = (await env.say('written before the ban', { email: 'later@example.com' })).body;
  await insertBan(api, { forumId: forum.id, kind: 'email', value: 'later@example.com' });
  const edit = await http('PATCH', `/v1/posts/${before2.post.id}`, { message: 'changed after the ban' }, before2.editToken);
  t.equal(edit.status, 403);
  t.equal(edit.body.error.code, 'author_banned');
  t.equal((await env.publicRead()).find((p: any) => p.id === before2.post.id).html, '<p>written before the ban</p>', 'the edit changed nothing');

  // the test's requests all come from 127.0.0.1: ban it, then its range, in a forum of its own
  const byIp = await moderationEnv(t, { ...allPhasesOff, bans: { enabled: true } });
  await insertBan(byIp.api, { forumId: byIp.forum.id, kind: 'ip', value: '127.0.0.1' });
  t.equal((await byIp.say('hello')).body.error.code, 'author_banned', 'the address');
  const byRange = await moderationEnv(t, { ...allPhasesOff, bans: { enabled: true } });
  await insertBan(byRange.api, { forumId: byRange.forum.id, kind: 'range', value: '127.0.0.0/8' });
  t.equal((await byRange.say('hello')).body.error.code, 'author_banned', 'a range holding the address');
  const { rows } = await byRange.api.db.exec({ area: 'forums', mode: 'write' }, 'UPDATE bans SET forum_id = NULL RETURNING id');
  t.equal(rows.length, 1);
  t.equal((await byRange.say('hello')).body.error.code, 'author_banned', 'an instance-wide range');

  const off = await moderationEnv(t, { ...allPhasesOff, bans: { enabled: false } });
  await insertBan(off.api, { forumId: off.forum.id, kind: 'ip', value: '127.0.0.1' });
  t.equal((await off.say('hello')).status, 201, 'bans.enabled false: bans are not checked');
});

t.test('blocklist: reject, mask, hold, spam, and domains', async (t) => {
  const env = await moderationEnv(t, {
    ...allPhasesOff,
    blocklist: {
      enabled: true,
      entries: [
        { kind: 'word', term: 'forbidden', action: 'reject' },
        { kind: 'word', term: 'darn', action: 'mask' },
        { kind: 'word', term: 'crypto', action: 'hold' },
        { kind: 'word', term: 'casino', action: 'spam' },
        { kind: 'domain', term: 'spam.example', action: 'hold' },
      ],
    },
  });
  const before = await env.written();
  const refused = await env.say('this is Forbidden here');
  t.equal(refused.status, 422);
  t.equal(refused.body.error.code, 'comment_blocked');
  t.same(await env.written(), before, 'nothing written');

  const masked = await env.say('well darn it');
  t.equal(masked.status, 201);
  t.equal(masked.body.post.status, 'approved', 'a masked word lets the comment through');
  t.equal(masked.body.post.html, '<p>well **** it</p>', 'the masked text is what is rendered');
  const source = await env.http('GET', `/v1/posts/${masked.body.post.id}/source`, undefined, masked.body.editToken);
  t.equal(source.body.message, 'well **** it', 'and what is stored: the word is gone');

  const held = await env.say('buy crypto now');
  t.equal(held.body.post.status, 'pending');
  t.notOk('moderation' in held.body.post, 'the author is not told why');
  const spam = await env.say('visit the casino');
  t.equal(spam.body.post.status, 'spam');
  const link = await env.say('see https://www.spam.example/page');
  t.equal(link.body.post.status, 'pending');

  const mod = await env.modRead();
  const byId = new Map(mod.map((p: any) => [p.id, p]));
  t.same(reasonCodes(byId.get(held.body.post.id)), ['blocklisted_word']);
  t.same(reasonCodes(byId.get(spam.body.post.id)), ['blocklisted_word']);
  t.same(reasonCodes(byId.get(link.body.post.id)), ['blocklisted_domain']);
  t.same(reasonCodes(byId.get(masked.body.post.id)), [], 'masking is no reason to look');
  const pub = await env.publicRead();
  t.same(pub.map((p: any) => p.id), [masked.body.post.id], 'the public sees only the approved comment');
  t.notOk(pub.some((p: any) => 'moderation' in p), 'and never a reason');
});

t.test('links: more than maxLinks holds; a new commenter\'s link is held or marked as spam as the forum says', async (t) => {
  const two = 'see https://a.example/1 and https://b.example/2';
  const env = await moderationEnv(t, { ...allPhasesOff, links: { enabled: true, maxLinks: 1, newCommenterLinks: 'allow' } });
  t.equal((await env.say('see https://a.example/1')).body.post.status, 'approved', 'one link is fine');
  const many = await env.say(two);
  t.equal(many.body.post.status, 'pending');
  t.same(reasonCodes((await env.modRead()).find((p: any) => p.id === many.body.post.id)), ['too_many_links']);

  // newCommenter phase off, yet the links phase asks who is new (the newCommenter thresholds)
  const fresh = await moderationEnv(t, { ...allPhasesOff, links: { enabled: true, maxLinks: 3, newCommenterLinks: 'spam' } });
  const first = await fresh.say('see https://a.example/1', { email: 'new@example.com' });
  t.equal(first.body.post.status, 'spam', 'a link from someone without an approved comment');
  t.equal((await fresh.say('no links here', { email: 'new@example.com' })).body.post.status, 'approved', 'without a link it passes');
  const hold = await moderationEnv(t, { ...allPhasesOff, links: { enabled: true, maxLinks: 3, newCommenterLinks: 'hold' } });
  const held = await hold.say('see https://a.example/1');
  t.equal(held.body.post.status, 'pending', 'newCommenterLinks hold (the default)');
  t.same(reasonCodes((await hold.modRead())[0]), ['new_commenter_link']);
});

t.test('link density: 2+ links and more than maxLinksPer100Words per 100 words holds', async (t) => {
  const heuristics = { enabled: true, honeypot: false, minMsAfterWidgetLoad: 0, maxLinksPer100Words: 20, repeatedTextCount: 0, characterTricks: false };
  const env = await moderationEnv(t, { ...allPhasesOff, spamHeuristics: heuristics });
  const dense = await env.say('https://a.example/1 https://b.example/2 look');
  t.equal(dense.body.post.status, 'pending');
  t.same(reasonCodes((await env.modRead())[0]), ['link_density']);
  const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
  t.equal((await env.say(`${words} https://a.example/1 https://b.example/2`)).body.post.status, 'approved', 'two links in 32 words: under 20 per 100');
  t.equal((await env.say('hello', { client: { hp: 'filled' } })).body.post.status, 'approved', 'honeypot false: the field is not looked at');
});

t.test('a section turned off is not applied, whatever its settings', async (t) => {
  const env = await moderationEnv(t, { ...allPhasesOff, blocklist: { enabled: false, entries: [{ kind: 'word', term: 'forbidden', action: 'reject' }] } });
  t.equal((await env.say('forbidden')).status, 201, 'blocklist.enabled false');
});

t.test('new commenter: a guest email\'s first comment waits; once one is approved the next goes through', async (t) => {
  const env = await moderationEnv(t, { ...allPhasesOff, newCommenter: { enabled: true, minApprovedComments: 1, minAccountAgeDays: 0, holdFirstGuestEmail: true } });
  const first = await env.say('hello, first time here', { email: 'Newbie@example.com' });
  t.equal(first.body.post.status, 'pending');
  t.same(reasonCodes((await env.modRead())[0]), ['few_approved_comments', 'first_guest_comment']);
  const second = await env.say('hello again', { email: 'newbie@example.com' });
  t.same(reasonCodes((await env.modRead()).find((p: any) => p.id === second.body.post.id)), ['few_approved_comments'], 'the email is known now (any case), still no approved comment');
  t.equal((await env.http('POST', `/v1/posts/${first.body.post.id}/approve`, undefined, env.key)).status, 200);
  const third = await env.say('and once more', { email: 'newbie@example.com' });
  t.equal(third.body.post.status, 'approved', 'one approved comment: no longer new');

  const aged = await moderationEnv(t, { ...allPhasesOff, newCommenter: { enabled: true, minApprovedComments: 0, minAccountAgeDays: 2, holdFirstGuestEmail: false } });
  const user = (await aged.http('POST', '/v1/users', { username: 'young1', email: 'young1@example.com', password: 'password-1' })).body;
  t.equal((await aged.say('I just signed up', { token: user.token })).body.post.status, 'pending');
  t.same(reasonCodes((await aged.modRead())[0]), ['young_account']);
  await aged.api.db.exec({ area: 'accounts', mode: 'write' }, "UPDATE users SET created_at = now() - interval '3 days' WHERE id = $1", [user.user.id]);
  const again = await aged.http('POST', '/v1/sessions', { username: 'young1', password: 'password-1' });
  t.equal((await aged.say('I am older now', { token: again.body.token })).body.post.status, 'approved', 'an account older than the threshold');
});

t.test('spam heuristics: honeypot, too fast, repeated text across threads, character tricks', async (t) => {
  const heuristics = { enabled: true, honeypot: true, minMsAfterWidgetLoad: 3000, maxLinksPer100Words: 0, repeatedTextCount: 3, characterTricks: true };
  const env = await moderationEnv(t, { ...allPhasesOff, spamHeuristics: heuristics });
  const codeOf = async (r: { body: any }) => reasonCodes((await env.modRead(r.body.post.threadId ?? env.thread.id)).find((p: any) => p.id === r.body.post.id));
  const bot = await env.say('hello', { client: { hp: 'http://bot.example', loadedMs: 10000 } });
  t.equal(bot.body.post.status, 'spam');
  t.same(await codeOf(bot), ['honeypot']);
  const fast = await env.say('hello', { client: { hp: '', loadedMs: 800 } });
  t.equal(fast.body.post.status, 'spam');
  t.same(await codeOf(fast), ['too_fast']);
  t.equal((await env.say('hello', { client: { hp: '', loadedMs: 4000 } })).body.post.status, 'approved', 'a person who took their time');
  t.equal((await env.say('hello from an API client')).body.post.status, 'approved', 'no client facts: those checks are skipped');

  const pasted = 'Great article, visit my profile for more!';
  const threads = [env.thread, await env.api.thread(env.forum.slug), await env.api.thread(env.forum.slug)];
  const copies = [];
  for (const th of threads) copies.push(await env.say(pasted, { threadId: th.id, email: 'paster@example.com' }));
  t.same(copies.map((c) => c.body.post.status), ['approved', 'approved', 'spam'], 'the third copy across threads is spam');
  t.same(reasonCodes((await env.modRead(threads[2].id))[0]), ['repeated_text']);
  t.equal((await env.say(pasted, { threadId: threads[2].id, email: 'someone-else@example.com' })).body.post.status, 'approved', 'another author may say the same');

  const tricky = await env.say('Log in to your p\u0430ypal account');
  t.equal(tricky.body.post.status, 'pending');
  t.same(await codeOf(tricky), ['mixed_scripts']);

  const bad = await env.say('hello', { client: { loadedMs: -1 } });
  t.equal(bad.status, 400, 'a negative time is bad input, not a 500');
  t.equal((await env.say('hello', { client: { hp: 'x'.repeat(1001) } })).status, 400);
  t.equal((await env.say('hello', { client: { other: 1 } })).status, 400, 'unknown client fields are refused');
});

t.test('a closed thread refuses through the rules; pre-moderation holds what they pass, with its own reason', async (t) => {
  const env = await moderationEnv(t, allPhasesOff, { settings: { preModeration: true } });
  const held = await env.say('hello');
  t.equal(held.body.post.status, 'pending');
  t.same(reasonCodes((await env.modRead())[0]), ['pre_moderation']);
  await env.api.db.exec({ ...(await env.api.content({ threadId: env.thread.id })), mode: 'write' }, "UPDATE threads SET status = 'closed' WHERE id = $1", [env.thread.id]);
  const closed = await env.say('too late');
  t.equal(closed.status, 409);
  t.equal(closed.body.error.code, 'thread_closed');
});

t.test("moderators' own comments skip the rules", async (t) => {
  const env = await moderationEnv(t, { ...allPhasesOff, blocklist: { enabled: true, entries: [{ kind: 'word', term: 'forbidden', action: 'reject' }] } }, { settings: { preModeration: true } });
  const r = await env.http('POST', `/v1/threads/${env.thread.id}/posts`, { message: 'forbidden words are forbidden', author: { name: 'Mod', email: 'mod@example.com' } }, env.key);
  t.equal(r.status, 201);
  t.equal(r.body.post.status, 'approved');
  t.same(r.body.post.moderation.reasons, [], 'a moderator sees the (empty) reasons of their own comment');
});

t.test('edits pass through the rules: a held edit moves an approved comment to pending, a rejected one changes nothing', async (t) => {
  const env = await moderationEnv(t, {
    ...allPhasesOff,
    blocklist: { enabled: true, entries: [{ kind: 'word', term: 'crypto', action: 'hold' }, { kind: 'word', term: 'forbidden', action: 'reject' }] },
  });
  const { post, editToken } = (await env.say('an honest comment')).body;
  t.equal(post.status, 'approved');
  const refused = await env.http('PATCH', `/v1/posts/${post.id}`, { message: 'now forbidden' }, editToken);
  t.equal(refused.status, 422);
  t.equal(refused.body.error.code, 'comment_blocked');
  const kept = (await env.publicRead())[0];
  t.equal(kept.revision, post.revision, 'the refused edit changed nothing');
  t.equal(kept.html, '<p>an honest comment</p>');

  const held = await env.http('PATCH', `/v1/posts/${post.id}`, { message: 'buy crypto' }, editToken);
  t.equal(held.status, 200);
  t.equal(held.body.post.status, 'pending');
  t.notOk('moderation' in held.body.post);
  t.same(await env.publicRead(), [], 'the held edit is hidden from the public');
  const events = await env.http('GET', `/v1/threads/${env.thread.id}/events`, undefined, env.key);
  const last = events.body.events.slice(-2);
  t.same(last.map((e: any) => e.type), ['PostEdited', 'PostHeld'], 'the edit, then the hold, so counters and the queue follow');
  t.equal(last[0].post.status, 'pending', "the edit's snapshot shows the held status");
  t.same(reasonCodes(last[0].post), ['blocklisted_word'], 'moderators read the reasons in the event');
  const publicEvents = await env.http('GET', `/v1/threads/${env.thread.id}/events`);
  t.same(publicEvents.body.events.slice(-2).map((e: any) => e.type), ['hidden', 'hidden'], 'the public only learns the comment is gone');

  const again = await env.http('PATCH', `/v1/posts/${post.id}`, { message: 'crypto crypto' }, editToken);
  t.equal(again.body.post.status, 'pending', 'a pending comment stays pending');
  const after = await env.http('GET', `/v1/threads/${env.thread.id}/events`, undefined, env.key);
  t.equal(after.body.events.at(-1).type, 'PostEdited', 'no second hold');
});

t.test('the write keeps the client address, never shown', async (t) => {
  const env = await moderationEnv(t, allPhasesOff);
  const r = await env.say('hello');
  const [row] = await env.api.everywhere('SELECT host(author_ip) AS ip FROM posts WHERE id = $1', [r.body.post.id]);
  t.equal(row.ip, '127.0.0.1');
  t.notMatch(JSON.stringify(await env.modRead()), /127\.0\.0\.1/);
});
