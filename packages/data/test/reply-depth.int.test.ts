// The reply-depth rule is stated once, in the domain (replyAncestorCount / placeReply); the insert
// statement applies it in SQL with the bound the domain supplies. This pins that both agree: every
// reply the statement places lands where placeReply says, for several max depths.
import t from 'tap';
import { postFromRow, postSql, type Database } from '@parley/data';
import { placeReply, type PostRecord } from '@parley/domain';
import { testDatabase } from '../../../test/harness/db.ts';

async function thread(db: Database): Promise<{ threadId: string; forumId: string }> {
  const route = { area: 'content' as const, shard: 0 };
  return db.tx(route, async (ex) => {
    const f = await ex.query(`INSERT INTO forums (slug, name, moderator_key_hash) VALUES ('f' || md5(random()::text), 'F', decode(md5(random()::text), 'hex')) RETURNING id`);
    const th = await ex.query(`INSERT INTO threads (forum_id, identifier) VALUES ($1, 'page') RETURNING id`, [f.rows[0].id]);
    return { forumId: String(f.rows[0].id), threadId: String(th.rows[0].id) };
  });
}

async function reply(db: Database, at: { threadId: string; forumId: string }, parentId: string | null, maxDepth: number): Promise<PostRecord> {
  const { rows } = await db.exec(
    { area: 'content', shard: 0, mode: 'write' },
    postSql.insertPost,
    postSql.insertPostValues({
      ...at, parentId, maxDepth, byModerator: false, userId: null, authorName: 'A', authorEmail: null, editTokenHash: null,
      notify: false, message: 'm', html: '<p>m</p>', status: 'approved',
    }),
  );
  t.equal(rows.length, 1, 'placed');
  return postFromRow(rows[0]);
}

for (const maxDepth of [0, 1, 2, 6]) {
  t.test(`max depth ${maxDepth}: a chain of replies, each to the previous one, lands where placeReply says`, async (t) => {
    const { db } = await testDatabase(t);
    const at = await thread(db);
    let parent = await reply(db, at, null, maxDepth);
    t.same([parent.depth, parent.parentId], [0, null], 'a top-level post is at depth 0');
    for (let i = 0; i < maxDepth + 3; i++) {
      const expected = placeReply(parent.path, maxDepth);
      const placed = await reply(db, at, parent.id, maxDepth);
      t.equal(placed.depth, expected.depth, `reply ${i + 1}: depth ${expected.depth}`);
      t.equal(placed.parentId, expected.parentId, `reply ${i + 1}: attached to ${expected.parentId}`);
      t.same(placed.path, [...expected.ancestors, placed.id], `reply ${i + 1}: path = ancestors + itself`);
      t.ok(placed.depth <= maxDepth, 'never deeper than the max');
      parent = placed;
    }
  });
}
