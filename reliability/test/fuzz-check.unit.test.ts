// The fuzzer's judge: what counts as a failure, and what is only the API echoing its input.
import t from 'tap';
import { judge, leaksIn } from '../lib/fuzz-check.ts';

const ok = (body: unknown) => JSON.stringify(body);
const err = (code: string, message: string) => ok({ error: { code, message } });

t.test('failures', async (t) => {
  t.equal(judge('GET', 500, 'application/json', err('internal', 'Something went wrong.'), 'GET /x')?.kind, '5xx');
  t.equal(judge('GET', 503, undefined, '', 'GET /x')?.kind, '5xx');
  t.equal(judge('POST', 400, 'application/json', '{"error":"Bad Request","statusCode":400}', 'POST /x')?.kind, 'shapeless', 'a 4xx without a code');
  for (const body of [
    err('validation_failed', 'boom\n    at handler (/work/wt-edge/apps/api/src/app.ts:10:5)'),
    err('validation_failed', 'Cannot find module /work/wt-edge/node_modules/x'),
    err('internal', 'invalid byte sequence for encoding "UTF8": 0x00'),
    err('conflict', 'duplicate key value violates unique constraint "forums_slug_key"'),
    err('internal', 'SELECT id, forum_id FROM posts WHERE id = $1'),
    err('internal', "TypeError: Cannot read properties of undefined (reading 'id')"),
    ok({ thread: { title: 'file at /work/wt-edge/x' } }),
  ]) {
    t.equal(judge('GET', 400, 'application/json', body, 'GET /v1/threads/1')?.kind, 'leak', body.slice(0, 60));
  }
});

t.test('not failures', async (t) => {
  t.equal(judge('GET', 200, 'application/json', ok({ posts: [] }), 'GET /v1/threads/1/posts'), undefined);
  t.equal(judge('GET', 404, 'application/json', err('thread_not_found', 'There is no thread with that id.'), 'GET /x'), undefined);
  t.equal(judge('HEAD', 404, undefined, '', 'HEAD /x'), undefined, 'HEAD has no body');
  const sent = "POST /v1/forums {\"slug\":\"'; SELECT * FROM users; --\"}";
  t.same(leaksIn(err('invalid_slug', "The slug '; SELECT * FROM users; -- is not valid."), sent), [], 'SQL the request itself carried is an echo');
  t.same(leaksIn(ok({ thread: { title: '/work/ is where I keep node_modules' } }), 'POST x {"title":"/work/ is where I keep node_modules"}'), [], 'a path the request carried is an echo');
});
