import t from 'tap';
import { actorOf, bearerToken, credentialOf, hashToken, moderates, requireModerator, resolveToken, type AuthDeps, type Credential } from '@parley/access';
import type { Database, ForumCache } from '@parley/data';
import { ParleyError } from '@parley/domain';
import { throwsCode } from '../../domain/test/assert-code.ts';
import { aForum } from './fixtures.ts';

const forum = aForum('7');
const KEY = 'pmk_the-key-of-forum-7';
const SESSION = 'put_a-live-session';
const ADMIN = 'the-admin-token-0123456789';

/** What resolution may touch: the forum cache for moderator keys, the accounts database for sessions. Each lookup is counted. */
function deps(admin: string | null = ADMIN): AuthDeps & { lookups: string[] } {
  const lookups: string[] = [];
  const forums = {
    byModeratorKeyHash: async (hash: Buffer) => {
      lookups.push('forum');
      return hash.equals(hashToken(KEY)) ? forum : undefined;
    },
  } as unknown as ForumCache;
  const db = {
    exec: async (route: { area: string }, _sql: string, values: unknown[]) => {
      lookups.push(route.area);
      const live = (values[0] as Buffer).equals(hashToken(SESSION));
      return { rows: live ? [{ id: '3', username: 'ann', display_name: 'Ann', email: null, created_at: new Date() }] : [] };
    },
  } as unknown as Database;
  return { db, forums, adminToken: admin ?? undefined, lookups };
}

t.test('bearerToken reads an Authorization header value', async (t) => {
  t.equal(bearerToken(undefined), undefined, 'no header: no token');
  t.equal(bearerToken('Bearer abc'), 'abc');
  t.equal(bearerToken('bearer   abc  '), 'abc', 'any case, spaces around');
  t.equal(bearerToken(`Bearer ${'x'.repeat(512)}`), 'x'.repeat(512), '512 characters');
  for (const bad of ['', 'Basic abc', 'Bearer', 'Bearer ', 'Bearer a b', `Bearer ${'x'.repeat(513)}`, 'abc']) {
    throwsCode(t, () => bearerToken(bad), 'unauthorized', JSON.stringify(bad.slice(0, 20)));
  }
});

t.test('resolveToken: the prefix says where to look, and nothing else is looked up', async (t) => {
  const d = deps();
  t.match(await resolveToken(KEY, d), { kind: 'moderator', forum: { id: '7' } });
  t.equal(await resolveToken('pmk_unknown', d), undefined, 'an unknown moderator key');
  t.same(d.lookups, ['forum', 'forum']);
  d.lookups.length = 0;
  t.match(await resolveToken(SESSION, d), { kind: 'user', user: { id: '3' } });
  t.equal(await resolveToken('put_expired', d), undefined);
  t.same(d.lookups, ['accounts', 'accounts'], 'sessions in the accounts area');
  d.lookups.length = 0;
  t.match(await resolveToken('pet_edit', d), { kind: 'edit', hash: hashToken('pet_edit') });
  t.same(await resolveToken(ADMIN, d), { kind: 'admin' });
  t.equal(await resolveToken('hunter2', d), undefined, 'no prefix, not the admin token');
  t.equal(await resolveToken(ADMIN, deps(null)), undefined, 'no admin token configured');
  t.same(d.lookups, [], 'edit and admin tokens need no lookup');
});

t.test('credentialOf: no header is anonymous, a bad token never is', async (t) => {
  t.same(await credentialOf(undefined, deps()), { kind: 'none' });
  t.match(await credentialOf(`Bearer ${KEY}`, deps()), { kind: 'moderator' });
  await t.rejects(credentialOf('Bearer pmk_unknown', deps()), new ParleyError('unauthorized', { message: 'That token is not valid (or has expired).' }));
  await t.rejects(credentialOf('Token x', deps()), { code: 'unauthorized' });
});

t.test('moderates: the admin, or the moderator of that forum', async (t) => {
  const cases: [Credential, boolean][] = [
    [{ kind: 'admin' }, true],
    [{ kind: 'moderator', forum }, true],
    [{ kind: 'moderator', forum: aForum('8') }, false],
    [{ kind: 'user', user: { id: '3' } as never, roles: new Map(), links: new Set() }, false],
    [{ kind: 'edit', hash: hashToken('pet_x') }, false],
    [{ kind: 'none' }, false],
  ];
  for (const [c, yes] of cases) t.equal(moderates(c, '7'), yes, `${c.kind}${c.kind === 'moderator' ? ` of ${c.forum.id}` : ''}`);
  throwsCode(t, () => requireModerator({ kind: 'none' }, '7'), 'unauthorized', 'no credential: 401');
  throwsCode(t, () => requireModerator({ kind: 'moderator', forum: aForum('8') }, '7'), 'forbidden', 'the wrong one: 403');
  t.doesNotThrow(() => requireModerator({ kind: 'moderator', forum }, '7'));
});

t.test('actorOf names who acted', async (t) => {
  t.same(actorOf({ kind: 'admin' }), { kind: 'admin' });
  t.same(actorOf({ kind: 'moderator', forum }), { kind: 'moderator', forumId: '7' });
  t.same(actorOf({ kind: 'edit', hash: hashToken('pet_x') }), { kind: 'guest', key: hashToken('pet_x').toString('hex').slice(0, 16) });
  t.same(actorOf({ kind: 'none' }, 'voter-key'), { kind: 'guest', key: 'voter-key' });
  t.same(actorOf({ kind: 'none' }), { kind: 'public' });
});
