// The Parley-Lsn header at the edge: a malformed one is a 400 that says what to send; a valid one
// is accepted on any request (with one database and no replicas it changes nothing, and writes
// answer without one). Its effect across real streaming replicas: test/replicas-routing tests.
import t from 'tap';
import { testApi } from '../../../test/harness/app.ts';

t.test('Parley-Lsn: checked at the edge, accepted when well-formed', async (t) => {
  const api = await testApi(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  for (const bad of ['0/1A2B', 'content.0:', 'nonsense', 'content.0:0/1A2B; DROP']) {
    const r = await api.req('GET', `/v1/threads/${thread.id}/posts`, { headers: { 'parley-lsn': bad } });
    t.equal(r.status, 400, `refused: ${bad}`);
    t.match(r.body, { error: { code: 'invalid_field', message: /Parley-Lsn/, details: { field: 'headers.parley-lsn' } } });
  }
  const ok = await api.req('GET', `/v1/threads/${thread.id}/posts`, { headers: { 'parley-lsn': 'content.0:0/1A2B3C' } });
  t.equal(ok.status, 200, 'a well-formed position is accepted');
  const write = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'hi', author: { name: 'Ann', email: 'a@example.com' } } });
  t.equal(write.status, 201);
  // no replicas, yet a position: the page cache serves a page to its writer only once it holds the write
  t.match(write.headers['parley-lsn'], new RegExp(`^${await api.contentAlias({ threadId: thread.id })}:[0-9A-F]+/[0-9A-F]+$`), 'a write carries its commit position');
});
