// Invitations to a forum role by email, over real HTTP, a real SMTP server and the worker: an owner
// invites an address, the mail carries a one-time link, and the account that accepts it while
// signed in holds the role; the link works once, not after it expires, and not as a link of
// another kind. Moderators and the shared key invite nobody; an invitation never demotes an owner.
import t from 'tap';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { accountsEnv, linkOf } from './accounts-env.ts';

t.test('an owner invites by email; the signed-in invitee accepts once', async (t) => {
  const env = await accountsEnv(t);
  const { http } = env;
  const { forum } = await env.api.forum();
  const ann = await env.register('invite-ann', 'ann@example.com');
  const bob = await env.register('invite-bob', 'bob@example.com');
  const cat = await env.register('invite-cat', 'cat@example.com');
  await http('PUT', `/v1/forums/${forum.slug}/roles/${ann.id}`, { token: ADMIN_TOKEN, body: { role: 'owner' } });
  await http('PUT', `/v1/forums/${forum.slug}/roles/${cat.id}`, { token: ADMIN_TOKEN, body: { role: 'moderator' } });
  const verifications = 3;

  t.equal((await http('POST', `/v1/forums/${forum.slug}/invites`, { token: cat.token, body: { email: 'x@example.com', role: 'moderator' } })).status, 403, 'a moderator invites nobody');
  t.equal((await http('POST', `/v1/forums/${forum.slug}/invites`, { token: bob.token, body: { email: 'bob@example.com', role: 'owner' } })).status, 403, 'nor does a user invite itself');
  t.equal((await http('POST', `/v1/forums/${forum.slug}/invites`, { body: { email: 'x@example.com', role: 'moderator' } })).status, 401);
  t.equal((await http('POST', `/v1/forums/${forum.slug}/invites`, { token: ann.token, body: { email: 'not an address', role: 'moderator' } })).body.error.code, 'invalid_email');

  const invited = await http('POST', `/v1/forums/${forum.slug}/invites`, { token: ann.token, body: { email: 'bob@example.com', role: 'moderator' } });
  t.equal(invited.status, 202);
  t.match(invited.body.invite, { email: 'bob@example.com', role: 'moderator' });
  t.ok(Date.parse(invited.body.invite.expiresAt) > Date.now() + 160 * 3600_000, 'valid for a week by default');

  const mail = (await env.mails(verifications + 1)).find((m) => /invited/.test(m.subject))!;
  t.ok(mail, 'the invitation arrives');
  t.same(mail.to, ['bob@example.com']);
  t.match(mail.subject, /moderate Test forum/);
  const { url, token } = linkOf(mail);
  t.equal(url.pathname, '/account/invite', 'the link opens the invitation page');
  const requested = (await env.accountEvents('AccountEmailRequested')).filter((e) => e.snapshot.kind === 'forum_invite');
  t.equal(requested.length, 1);
  t.equal(requested[0].actor, `user:${ann.id}`, 'the request records the inviter');
  t.notOk(JSON.stringify(requested[0].snapshot).includes(token.split('.')[1]), 'the event holds no link');

  t.equal((await http('POST', '/v1/forum-invites/accept', { body: { token } })).status, 401, 'accepting needs a sign-in');
  const accepted = await http('POST', '/v1/forum-invites/accept', { token: bob.token, body: { token } });
  t.equal(accepted.status, 200);
  t.match(accepted.body.role, { userId: bob.id, role: 'moderator', grantedBy: `user:${ann.id}` });
  const again = await http('POST', '/v1/forum-invites/accept', { token: bob.token, body: { token } });
  t.same([again.status, again.body.error.code], [400, 'invalid_account_token'], 'the link works once');

  // bob moderates now, as himself
  const thread = await env.api.thread(forum.slug);
  const post = (await env.api.post(thread.id)).post;
  t.equal((await http('POST', `/v1/posts/${post.id}/spam`, { token: bob.token })).status, 200, 'the invitee moderates');
  const granted = await env.api.everywhere("SELECT actor FROM events WHERE type = 'ForumRoleGranted' ORDER BY id");
  t.equal(granted.at(-1)!.actor, `user:${bob.id}`, 'the grant is recorded with the account that accepted');

  // another kind's link opens no invitation; an expired invitation opens nothing
  const verifyMail = env.smtp.messages.find((m) => m.to.includes('cat@example.com'))!;
  t.equal((await http('POST', '/v1/forum-invites/accept', { token: cat.token, body: { token: linkOf(verifyMail).token } })).body.error.code, 'invalid_account_token', 'a verification link is no invitation');
  await http('POST', `/v1/forums/${forum.slug}/invites`, { token: ADMIN_TOKEN, body: { email: 'cat@example.com', role: 'owner' } });
  const late = linkOf((await env.mails(verifications + 2)).filter((m) => /invited/.test(m.subject))[1]).token;
  await env.api.db.exec({ area: 'accounts', mode: 'write' }, "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE kind = 'forum_invite' AND used_at IS NULL");
  t.equal((await http('POST', '/v1/forum-invites/accept', { token: cat.token, body: { token: late } })).body.error.code, 'invalid_account_token', 'an expired invitation');
  t.match((await http('GET', `/v1/forums/${forum.slug}/roles`, { token: ann.token })).body.roles, [{ userId: ann.id, role: 'owner' }, { role: 'moderator' }, { role: 'moderator' }], 'cat is still a moderator only');
});

t.test("an owner accepting a moderator's invitation stays owner; a site's user accepts nothing", async (t) => {
  const env = await accountsEnv(t);
  const { http } = env;
  const { forum } = await env.api.forum();
  const ann = await env.register('stay-ann', 'ann@example.com');
  await http('PUT', `/v1/forums/${forum.slug}/roles/${ann.id}`, { token: ADMIN_TOKEN, body: { role: 'owner' } });
  await http('POST', `/v1/forums/${forum.slug}/invites`, { token: ADMIN_TOKEN, body: { email: 'ann@example.com', role: 'moderator' } });
  const { token } = linkOf((await env.mails(2)).find((m) => /invited/.test(m.subject))!);
  const accepted = await http('POST', '/v1/forum-invites/accept', { token: ann.token, body: { token } });
  t.equal(accepted.body.role.role, 'owner', 'no demotion');
  t.match((await http('GET', `/v1/forums/${forum.slug}/roles`, { token: ann.token })).body.roles, [{ userId: ann.id, role: 'owner' }]);

  const page = await http('GET', '/account/invite');
  t.equal(page.status, 200);
  t.match(page.headers.get('content-security-policy'), /script-src 'sha256-/, 'the page runs only its own script');
  t.equal(page.headers.get('referrer-policy'), 'no-referrer');
});
