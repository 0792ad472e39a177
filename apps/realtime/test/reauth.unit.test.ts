// The re-check of moderator subscriptions is batched: one accounts query for every distinct session
// the node holds (not one per socket or subscription), one forums query for every distinct key, and
// a subscription ends only when its grant no longer moderates its own thread's forum.
import t from 'tap';
import { hashToken, type AuthDeps } from '@parley/access';
import type { Database, ForumCache } from '@parley/data';
import type { Grant } from '../src/access.ts';
import type { Connection } from '../src/connection.ts';
import type { Sub } from '../src/hubs.ts';
import { heldGrants, revoked } from '../src/reauth.ts';

const session = (token: string): Grant => ({ kind: 'session', hash: hashToken(token) });
const key = (token: string): Grant => ({ kind: 'key', hash: hashToken(token) });
const sub = (forumId: string, grant: Grant | undefined, moderator = true) => ({ hub: { forumId }, moderator, grant }) as unknown as Sub;
const conn = (subs: [string, Sub | null][]) => ({ dead: false, subs: new Map(subs) }) as unknown as Connection;

t.test('one accounts query for all sessions, one forums query for all keys; only lapsed grants end', async (t) => {
  const queries: Buffer[][] = [];
  const keyQueries: Buffer[][] = [];
  // put_live moderates forum 1; put_other moderates forum 2; put_gone is signed out; pmk_one is forum 1's key
  const sessions = new Map([['put_live', ['1:moderator']], ['put_other', ['2:owner']]].map(([tok, roles]) => [hashToken(tok as string).toString('hex'), roles as string[]]));
  const deps: AuthDeps = {
    db: {
      exec: async (route: { area: string }, _sql: string, [hashes]: [Buffer[]]) => {
        if (route.area === 'forums') {
          keyQueries.push(hashes);
          return { rows: hashes.filter((h) => h.equals(hashToken('pmk_one'))).map((h) => ({ id: '1', moderator_key_hash: h })) };
        }
        queries.push(hashes);
        return { rows: hashes.filter((h) => sessions.has(h.toString('hex'))).map((h) => ({ id: '5', username: 'u', created_at: new Date(0), token_hash: h, roles: sessions.get(h.toString('hex')), linked_forums: [] })) };
      },
    } as unknown as Database,
    // the cache is not asked: a rotation elsewhere must not wait for its TTL
    forums: {} as ForumCache,
    adminToken: 'admin',
  };
  const live = sub('1', session('put_live'));
  const liveAgain = sub('1', session('put_live'));
  const elsewhere = sub('1', session('put_other'));
  const gone = sub('1', session('put_gone'));
  const keyed = sub('1', key('pmk_one'));
  const keyedAgain = sub('1', key('pmk_one'));
  const oldKey = sub('1', key('pmk_old'));
  const conns = [
    conn([['a', live], ['b', elsewhere], ['c', keyed], ['pending', null]]),
    conn([['a', liveAgain], ['b', gone], ['c', keyedAgain], ['d', oldKey]]),
    conn([['a', sub('1', { kind: 'admin' })], ['b', sub('1', undefined, false)]]),
  ];
  const held = [...heldGrants(conns)];
  t.equal(held.length, 7, 'the admin token and public subscriptions are not re-checked');
  const lapsed = await revoked(held, deps);
  t.equal(queries.length, 1, 'one accounts query');
  t.equal(queries[0].length, 3, 'with each distinct session once');
  t.equal(keyQueries.length, 1, 'one forums query');
  t.equal(keyQueries[0].length, 2, 'with each distinct key once');
  t.same(lapsed.map((h) => h.sub), [elsewhere, gone, oldKey], "a role in another forum, a session gone, a key no forum has");
});

t.test('no moderator subscriptions: no query at all', async (t) => {
  let calls = 0;
  const deps = { db: { exec: async () => { calls++; return { rows: [] }; } }, forums: {}, adminToken: undefined } as unknown as AuthDeps;
  t.same(await revoked([], deps), []);
  t.equal(calls, 0);
});
