// A user's sessions over real HTTP: listed with the current one marked, ended one at a time (by
// id, or `current`: log out) or all at once (log out everywhere); an ended token is a 401 at once;
// nobody ends another user's session; only a user token manages sessions.
import t from 'tap';
import { overHttp, testApi } from '../../../test/harness/app.ts';

t.test('list, log out, log out everywhere', async (t) => {
  const api = await testApi(t);
  const http = await overHttp(api);
  const call = (method: string, path: string, token?: string, body?: unknown) => http(method, path, body, token);
  const password = 'a long enough password';
  const first = (await call('POST', '/v1/users', undefined, { username: 'sessions-ada', email: 'ada@example.com', password })).body.token as string;
  const second = (await call('POST', '/v1/sessions', undefined, { username: 'sessions-ada', password })).body.token as string;
  const third = (await call('POST', '/v1/sessions', undefined, { username: 'sessions-ada', password })).body.token as string;
  const other = (await call('POST', '/v1/users', undefined, { username: 'sessions-bob', email: 'bob@example.com', password })).body.token as string;

  const listed = await call('GET', '/v1/sessions', first);
  t.equal(listed.status, 200);
  t.equal(listed.body.sessions.length, 3, 'three sessions of this user, none of another\'s');
  t.equal(listed.body.sessions.filter((x: { current: boolean }) => x.current).length, 1, 'one is this request\'s');
  t.notOk(JSON.stringify(listed.body).includes(first.slice(4)), 'no token in the list');
  const secondId = (await call('GET', '/v1/sessions', second)).body.sessions.find((x: { current: boolean }) => x.current).id as string;

  t.equal((await call('DELETE', `/v1/sessions/${secondId}`, other)).status, 404, 'another user cannot end it');
  t.equal((await call('GET', '/v1/sessions', second)).status, 200, 'so it still works');
  t.equal((await call('DELETE', `/v1/sessions/${secondId}`, first)).status, 204, 'the user ends it from another session');
  t.equal((await call('GET', '/v1/sessions', second)).status, 401, 'and its token is refused at once');
  t.equal((await call('DELETE', `/v1/sessions/${secondId}`, first)).status, 404, 'an ended session is gone');
  t.equal((await call('DELETE', '/v1/sessions/not-an-id', first)).body.error.code, 'session_not_found');

  t.equal((await call('DELETE', '/v1/sessions/current', third)).status, 204, 'log out');
  t.equal((await call('GET', '/v1/sessions', third)).status, 401);
  t.equal((await call('GET', '/v1/sessions', first)).body.sessions.length, 1, 'the others stay');

  const fourth = (await call('POST', '/v1/sessions', undefined, { username: 'sessions-ada', password })).body.token as string;
  t.equal((await call('DELETE', '/v1/sessions', fourth)).status, 204, 'log out everywhere');
  for (const token of [first, fourth]) t.equal((await call('GET', '/v1/sessions', token)).status, 401, 'every session ended');
  t.equal((await call('GET', '/v1/sessions', other)).status, 200, 'another user\'s sessions are untouched');

  t.equal((await call('GET', '/v1/sessions')).status, 401, 'without a token');
  const { moderatorKey } = await api.forum();
  t.equal((await call('DELETE', '/v1/sessions', moderatorKey)).status, 401, 'a moderator key has no sessions');
});
