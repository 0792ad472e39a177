// Invitations to a forum role can be listed and cancelled by the forum's owners and the admin,
// over real HTTP with the real mail path: the list shows each invitation's id, address, role,
// inviter and state but never its link; a cancelled invitation's link is refused, and the
// cancellation is an event with its actor. Moderators, other users and other forums' owners see
// and cancel nothing.
import t from 'tap';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { accountsEnv, linkOf } from './accounts-env.ts';

t.test('an owner lists the invitations and cancels one; its link is refused', async (t) => {
  const env = await accountsEnv(t);
  const { http } = env;
  const { forum } = await env.api.forum();
  const { forum: other } = await env.api.forum();
  const ann = await env.register('list-ann', 'ann@example.com');
  const bob = await env.register('list-bob', 'bob@example.com');
  const cat = await env.register('list-cat', 'cat@example.com');
  await http('PUT', `/v1/forums/${forum.slug}/roles/${ann.id}`, { token: ADMIN_TOKEN, body: { role: 'owner' } });
  await http('PUT', `/v1/forums/${forum.slug}/roles/${cat.id}`, { token: ADMIN_TOKEN, body: { role: 'moderator' } });
  await http('PUT', `/v1/forums/${other.slug}/roles/${cat.id}`, { token: ADMIN_TOKEN, body: { role: 'owner' } });
  const verifications = 3;
  const invites = `/v1/forums/${forum.slug}/invites`;

  t.equal((await http('POST', invites, { token: ann.token, body: { email: 'bob@example.com', role: 'moderator' } })).status, 202);
  t.equal((await http('POST', invites, { token: ADMIN_TOKEN, body: { email: 'dan@example.com', role: 'owner' } })).status, 202);
  t.equal((await http('POST', `/v1/forums/${other.slug}/invites`, { token: cat.token, body: { email: 'eve@example.com', role: 'moderator' } })).status, 202);
  const mails = (await env.mails(verifications + 3)).filter((m) => /invited/.test(m.subject));
  const bobLink = linkOf(mails.find((m) => m.to.includes('bob@example.com'))!).token;

  const listed = await http('GET', invites, { token: ann.token });
  t.equal(listed.status, 200);
  t.match(listed.body.invites, [
    { email: 'dan@example.com', role: 'owner', invitedBy: 'admin', status: 'pending' },
    { email: 'bob@example.com', role: 'moderator', invitedBy: `user:${ann.id}`, status: 'pending' },
  ], "the forum's invitations, newest first, and no other forum's");
  t.equal(listed.body.invites.length, 2);
  for (const part of bobLink.split('.')) t.notOk(listed.text.includes(part), 'no part of a link is listed');
  t.same(Object.keys(listed.body.invites[0]).sort(), ['createdAt', 'email', 'expiresAt', 'id', 'invitedBy', 'role', 'status']);
  t.equal((await http('GET', invites, { token: ADMIN_TOKEN })).status, 200, 'the admin lists them too');

  t.equal((await http('GET', invites)).status, 401, 'listing needs a sign-in');
  t.equal((await http('GET', invites, { token: cat.token })).status, 403, 'a moderator lists nothing');
  t.equal((await http('GET', invites, { token: bob.token })).status, 403, 'nor does another account');
  const bobInvite = listed.body.invites[1].id as string;
  t.equal((await http('DELETE', `${invites}/${bobInvite}`, { token: cat.token })).status, 403, 'a moderator cancels nothing');
  const elsewhere = (await http('GET', `/v1/forums/${other.slug}/invites`, { token: cat.token })).body.invites[0].id as string;
  t.equal((await http('DELETE', `/v1/forums/${other.slug}/invites/${bobInvite}`, { token: cat.token })).body.error.code, 'invite_not_found', "another forum's owner cannot cancel this forum's invitation through its own");
  t.equal((await http('DELETE', `${invites}/${elsewhere}`, { token: ann.token })).body.error.code, 'invite_not_found', "nor this forum's owner another forum's");

  t.equal((await http('DELETE', `${invites}/${bobInvite}`, { token: ann.token })).status, 204, 'the owner cancels it');
  const accept = await http('POST', '/v1/forum-invites/accept', { token: bob.token, body: { token: bobLink } });
  t.same([accept.status, accept.body.error.code], [400, 'invalid_account_token'], "the cancelled invitation's link is refused");
  t.same((await http('GET', `/v1/forums/${forum.slug}/roles`, { token: ann.token })).body.roles.map((r: { userId: string }) => r.userId).includes(bob.id), false, 'and bob holds no role');
  t.match((await http('GET', invites, { token: ann.token })).body.invites, [{ status: 'pending' }, { id: bobInvite, status: 'cancelled' }]);
  t.equal((await http('DELETE', `${invites}/${bobInvite}`, { token: ann.token })).body.error.code, 'invite_not_found', 'cancelling twice: not found');
  for (const bad of ['nope', 'A'.repeat(16), '%E2%82%AC']) {
    t.equal((await http('DELETE', `${invites}/${bad}`, { token: ann.token })).body.error.code, 'invite_not_found', `a malformed id (${bad}) is not found`);
  }

  const cancelled = await env.api.everywhere("SELECT actor, forum_id::text, snapshot FROM events WHERE type = 'ForumInviteCancelled'");
  t.match(cancelled, [{ actor: `user:${ann.id}`, forum_id: forum.id }], 'the cancellation is an event with its actor');
});

t.test('an accepted or expired invitation is listed as such and cannot be cancelled', async (t) => {
  const env = await accountsEnv(t);
  const { http } = env;
  const { forum } = await env.api.forum();
  const bob = await env.register('state-bob', 'bob@example.com');
  const invites = `/v1/forums/${forum.slug}/invites`;
  await http('POST', invites, { token: ADMIN_TOKEN, body: { email: 'bob@example.com', role: 'moderator' } });
  await http('POST', invites, { token: ADMIN_TOKEN, body: { email: 'late@example.com', role: 'moderator' } });
  const link = linkOf((await env.mails(3)).find((m) => m.to.includes('bob@example.com') && /invited/.test(m.subject))!).token;
  t.equal((await http('POST', '/v1/forum-invites/accept', { token: bob.token, body: { token: link } })).status, 200);
  await env.api.db.exec({ area: 'accounts', mode: 'write' }, "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE kind = 'forum_invite' AND used_at IS NULL");
  const listed = (await http('GET', invites, { token: ADMIN_TOKEN })).body.invites;
  t.match(listed, [{ email: 'late@example.com', status: 'expired' }, { email: 'bob@example.com', status: 'accepted' }]);
  for (const i of listed) t.equal((await http('DELETE', `${invites}/${i.id}`, { token: ADMIN_TOKEN })).body.error.code, 'invite_not_found', `${i.status}: nothing to cancel`);
});
