// A reply whose parent a moderator hides and restores while the reply is written: the insert sees
// the parent hidden and places nothing, the read that explains why sees it published again.
// That answered 500 ("placed nothing, and nothing explains why"; found by the fuzzer, 4 in
// 100,000 requests). The race is made exact here: a real database whose read of the explanation
// first restores the parent on another connection, as the concurrent moderator would.
import t from 'tap';
import { Database, postSql, singleDatabase, type Route, type Sql } from '@parley/data';
import { testApi } from '../../../test/harness/app.ts';
import { testDatabase } from '../../../test/harness/db.ts';

class RestoreBeforeExplaining extends Database {
  restore: string | undefined;
  /** a post to mark spam right before the read that explains a refused moderation */
  spam: string | undefined;
  override async exec(route: Route, sql: Sql, values?: unknown[]) {
    const text = typeof sql === 'string' ? sql : sql.text;
    if (this.restore && text === postSql.selectThreadWithParent) {
      const id = this.restore;
      this.restore = undefined;
      await super.exec({ area: 'content', shard: 0, mode: 'write' }, "UPDATE posts SET status = 'approved' WHERE id = $1", [id]);
    }
    if (this.spam && text === postSql.explainPost) {
      const id = this.spam;
      this.spam = undefined;
      await super.exec({ area: 'content', shard: 0, mode: 'write' }, "UPDATE posts SET status = 'spam' WHERE id = $1", [id]);
    }
    return super.exec(route, sql, values) as never;
  }
}

t.test('a reply racing a moderator who hides and restores its parent is placed, not a 500', async (t) => {
  const { url } = await testDatabase(t);
  const db = new RestoreBeforeExplaining(singleDatabase(url));
  t.teardown(() => db.close());
  const api = await testApi(t, {}, db);
  const { forum, moderatorKey } = await api.forum('race');
  const thread = await api.thread(forum.slug, 'page');
  const { post: parent } = await api.post(thread.id, { message: 'parent' });
  const spam = await api.req('POST', `/v1/posts/${parent.id}/spam`, { token: moderatorKey });
  t.equal(spam.status, 200, 'the parent is hidden');
  db.restore = parent.id; // ... and published again right after the reply's insert
  const reply = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'a reply', parentId: parent.id, author: { name: 'Ann', email: 'ann@example.com' } } });
  t.same([reply.status, reply.body.post?.parentId], [201, parent.id], 'the reply is placed under the published parent');
  t.equal(db.restore, undefined, 'the race happened');
  const hidden = await api.req('POST', `/v1/posts/${parent.id}/spam`, { token: moderatorKey });
  t.equal(hidden.status, 200);
  const refused = await api.req('POST', `/v1/threads/${thread.id}/posts`, { body: { message: 'a reply', parentId: parent.id, author: { name: 'Ann', email: 'ann@example.com' } } });
  t.same([refused.status, refused.body.error?.code], [422, 'parent_not_visible'], 'without the race, a hidden parent is still refused');
});

t.test('a moderation racing another moderator is a 409 invalid_transition, not "the edit window has passed"', async (t) => {
  const { url } = await testDatabase(t);
  const db = new RestoreBeforeExplaining(singleDatabase(url));
  t.teardown(() => db.close());
  const api = await testApi(t, {}, db);
  const { forum, moderatorKey } = await api.forum('race-mod');
  const thread = await api.thread(forum.slug, 'page');
  const { post } = await api.post(thread.id, { message: 'published' });
  db.spam = post.id; // approving a published comment touches nothing; another moderator marks it spam before the explanation
  const r = await api.req('POST', `/v1/posts/${post.id}/approve`, { token: moderatorKey });
  t.same([r.status, r.body.error?.code], [409, 'invalid_transition']);
  t.equal(db.spam, undefined, 'the race happened');
});
