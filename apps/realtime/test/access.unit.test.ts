import t from 'tap';
import { hashToken, type AuthDeps } from '@parley/access';
import type { Database, ForumCache } from '@parley/data';
import { defaultForumSettings, type Forum } from '@parley/domain';
import { admit, upgradeToken } from '../src/access.ts';

const forum = (id: string, allowedOrigins: string[]): Forum => ({
  id, slug: `f${id}`, name: id, settings: { ...defaultForumSettings, allowedOrigins }, shard: 0, postCount: 0, pendingCount: 0, createdAt: new Date(0),
});
const GOOD = 'https://good.example';
const listing = forum('1', [GOOD]);
const other = forum('2', []);
const keys = new Map([[hashToken('pmk_one').toString('hex'), listing], [hashToken('pmk_two').toString('hex'), other]]);
const ADMIN = 'admin-token-for-the-test';
const deps: AuthDeps = {
  forums: { byModeratorKeyHash: async (h: Buffer) => keys.get(h.toString('hex')) } as unknown as ForumCache,
  // every session is user 5's; `put_mod` is its session when it moderates forum 1
  db: {
    exec: async (_route: unknown, _sql: string, [hash]: [Buffer]) => ({
      rows: [{ id: '5', username: 'u', created_at: new Date(0), roles: hash.equals(hashToken('put_mod')) ? ['1:moderator'] : [] }],
    }),
  } as unknown as Database,
  adminToken: ADMIN,
};

t.test('who is admitted, and who sees hidden events', async (t) => {
  const cases: [string, { key?: string; token?: string; origin?: string }, Forum, unknown][] = [
    ['a listed origin', { origin: GOOD }, listing, { moderator: false }],
    ['an unlisted origin', { origin: 'https://evil.example' }, listing, { refused: { code: 'origin_not_allowed' } }],
    ['no Origin', {}, listing, { refused: { code: 'origin_not_allowed' } }],
    ["the forum's key, from anywhere", { key: 'pmk_one', origin: 'https://evil.example' }, listing, { moderator: true }],
    ['the admin token, without Origin', { key: ADMIN }, listing, { moderator: true }],
    ["the key as the upgrade's token", { token: 'pmk_one' }, listing, { moderator: true }],
    ['a wrong key', { key: 'pmk_nope', origin: GOOD }, listing, { refused: { code: 'unauthorized' } }],
    ['not a key at all', { key: 'hunter2', origin: GOOD }, listing, { refused: { code: 'unauthorized' } }],
    ["another forum's key", { key: 'pmk_two', origin: GOOD }, listing, { refused: { code: 'unauthorized' } }],
    ['a user session as the key', { key: 'put_live', origin: GOOD }, listing, { refused: { code: 'unauthorized' } }],
    ["a moderator account's session as the key", { key: 'put_mod' }, listing, { moderator: true }],
    ["a moderator account's session as the upgrade's token", { token: 'put_mod' }, listing, { moderator: true }],
    ["a moderator account of forum 1 on forum 2's thread", { key: 'put_mod', origin: GOOD }, other, { refused: { code: 'unauthorized' } }],
    ['a wrong upgrade token: public, not refused', { token: 'pmk_nope', origin: GOOD }, listing, { moderator: false }],
    ["another forum's token: public there", { token: 'pmk_two', origin: GOOD }, listing, { moderator: false }],
    ['a key beats the token', { key: 'pmk_two', token: 'pmk_one', origin: GOOD }, listing, { refused: { code: 'unauthorized' } }],
    ['an empty list: no Origin', {}, other, { moderator: false }],
    ['an empty list: any origin', { origin: 'https://evil.example' }, other, { moderator: false }],
  ];
  for (const [what, who, f, want] of cases) {
    t.match(await admit(f, { key: who.key, token: who.token, origin: who.origin }, deps), want, what);
  }
});

t.test("the upgrade's Authorization header", async (t) => {
  t.equal(upgradeToken('Bearer pmk_one'), 'pmk_one');
  t.equal(upgradeToken(undefined), undefined);
  t.equal(upgradeToken('Basic dXNlcjpwdw=='), undefined, 'malformed: the connection is public, not refused');
});
