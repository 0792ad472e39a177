// A person's data as one JSON document, written piece by piece (docs/api.md, "Personal data"):
// the account, its sessions, identities and roles, then every post on every content shard with
// every revision (the PostCreated and PostEdited snapshots of the log), the votes and reports, and what was
// mailed to the address. Everything is read in keyset pages, so a person with 100,000 posts
// costs one page of memory; the generator yields one string per page and the HTTP stream's
// backpressure paces the reads.
import { normalizeEmail, personalDataSql as sql, postFromRow, readEvent, userSql, type Database, type Route } from '@parley/data';
import { postOf, type EventType } from '@parley/domain';

/** Whose data: an account (its posts by user id, its address from the account) or a guest's address. */
export interface ExportSubject {
  userId: string | null;
  /** lower-cased; for an account, its current address */
  email: string | null;
}

export const EXPORT_FORMAT = 'parley-personal-data/1';
const revisionTypes: EventType[] = ['PostCreated', 'PostEdited'];

const json = JSON.stringify;
const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : d === null || d === undefined ? null : String(d));
const camel = (row: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
/** A secret never leaves: hashes, verifiers, nonces (other areas' tables are exported as they are, minus these). */
const withoutSecrets = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([k]) => !/(hash|secret|verifier|nonce|token)/i.test(k)));

/** The account as stored (camelCase keys, no secrets); undefined when it is gone. */
export async function accountOf(db: Database, userId: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.exec({ area: 'accounts', mode: 'read', fresh: true }, sql.selectAccount, [userId]);
  return rows[0] ? camel(withoutSecrets(rows[0].account as Record<string, unknown>)) : undefined;
}

/** The document, as strings to write in order; together they are one JSON object. */
export async function* exportDocument(db: Database, subject: ExportSubject, account?: Record<string, unknown>): AsyncGenerator<string> {
  const accounts: Route = { area: 'accounts', mode: 'read', fresh: true };
  yield `{"format":${json(EXPORT_FORMAT)},"exportedAt":${json(new Date().toISOString())}`;
  if (subject.userId !== null) {
    yield `,"account":${json(account ?? null)}`;
    const sessions = await db.exec(accounts, sql.selectSessions, [subject.userId]);
    yield `,"sessions":${json(sessions.rows.map((r) => ({
      id: (r.token_hash as Buffer).subarray(0, userSql.SESSION_ID_BYTES).toString('base64url'),
      createdAt: iso(r.created_at),
      expiresAt: iso(r.expires_at),
    })))}`;
    for (const [key, statement] of [['identities', sql.selectIdentities], ['roles', sql.selectRoles]] as const) {
      const { rows } = await db.exec(accounts, statement, [subject.userId]);
      yield `,${json(key)}:${json(rows.map((r) => camel(withoutSecrets(r.row as Record<string, unknown>))))}`;
    }
  } else {
    yield `,"guest":${json({ email: subject.email })}`;
  }
  yield ',"posts":[';
  yield* arrayOf(postPages(db, subject));
  yield ']';
  if (subject.userId !== null) {
    yield ',"votes":[';
    yield* arrayOf(votePages(db, `u:${subject.userId}`));
    yield '],"reports":[';
    yield* arrayOf(reportPages(db, `user:${subject.userId}`));
    yield ']';
  }
  yield ',"emailLog":[';
  if (subject.email !== null) yield* arrayOf(emailLogPages(db, subject.email));
  yield ']';
  const email = subject.email === null ? undefined : normalizeEmail(subject.email);
  const accountEmails = email || subject.userId ? (await db.exec(accounts, sql.selectAccountEmailLog, [email ?? null, subject.userId])).rows : [];
  yield `,"accountEmailLog":${json(accountEmails.map((r) => ({ eventId: String(r.event_id), kind: r.kind, status: r.status, reason: r.reason, at: iso(r.at) })))}`;
  const optouts = email ? (await db.exec(accounts, sql.selectOptouts, [email])).rows : [];
  yield `,"unsubscribes":${json(optouts.map((r) => ({ email: r.email, at: iso(r.at) })))}`;
  yield '}';
}

/** Joins pages of items (each page already JSON, comma-separated) into one array's body. */
async function* arrayOf(pages: AsyncGenerator<string[]>): AsyncGenerator<string> {
  let first = true;
  for await (const page of pages) {
    if (page.length === 0) continue;
    yield (first ? '' : ',') + page.join(',');
    first = false;
  }
}

async function* postPages(db: Database, subject: ExportSubject): AsyncGenerator<string[]> {
  // an account's posts are those it wrote signed in; guest comments under its address are not
  // claimed by it (the address may not be proven): a guest's export asks for those by link
  const guestEmail = subject.userId === null ? subject.email : null;
  for (const shard of db.shards()) {
    const route: Route = { area: 'content', shard, mode: 'read', fresh: true };
    let after = '0';
    for (;;) {
      const { rows } = await db.exec(route, sql.selectAuthorPosts, [subject.userId, guestEmail, after, sql.PAGE_SIZE]);
      if (rows.length === 0) break;
      const ids = rows.map((r) => String(r.id));
      const revisions = await db.exec(route, sql.selectRevisions, [ids, revisionTypes]);
      const byPost = new Map<string, unknown[]>();
      for (const r of revisions.rows) {
        const post = postOf(readEvent(r.type as string, r.schema_version as number, r.snapshot as Uint8Array));
        if (!post) continue;
        const list = byPost.get(String(r.post_id)) ?? [];
        list.push({ eventId: String(r.id), type: r.type, at: iso(r.at), revision: post.revision, authorName: post.authorName, message: post.message });
        byPost.set(String(r.post_id), list);
      }
      yield rows.map((r) => {
        const p = postFromRow(r);
        return json({
          id: p.id, forumId: p.forumId, threadId: p.threadId, parentId: p.parentId, status: p.status,
          authorName: p.authorName, authorEmail: (r.author_email as string | null) ?? null, message: p.message,
          revision: p.revision, score: p.score, notify: p.notify, createdAt: iso(p.createdAt), editedAt: iso(p.editedAt),
          revisions: byPost.get(p.id) ?? [],
        });
      });
      if (rows.length < sql.PAGE_SIZE) break;
      after = ids.at(-1)!;
    }
  }
}

/** Rows one person has on every shard, one per post (votes, reports), in pages by post id: `statement` takes $1 who, $2 after, $3 limit. */
async function* perPostPages(db: Database, statement: string, who: string, view: (r: Record<string, unknown>) => unknown): AsyncGenerator<string[]> {
  for (const shard of db.shards()) {
    const route: Route = { area: 'content', shard, mode: 'read', fresh: true };
    let after = '0';
    for (;;) {
      const { rows } = await db.exec(route, statement, [who, after, sql.PAGE_SIZE]);
      if (rows.length === 0) break;
      yield rows.map((r) => json(view(r)));
      if (rows.length < sql.PAGE_SIZE) break;
      after = String(rows.at(-1)!.post_id);
    }
  }
}

const votePages = (db: Database, voter: string) =>
  perPostPages(db, sql.selectVotes, voter, (r) => ({ postId: String(r.post_id), value: r.value, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) }));

const reportPages = (db: Database, reporter: string) =>
  perPostPages(db, sql.selectReports, reporter, (r) => ({ postId: String(r.post_id), reason: r.reason, note: r.note, createdAt: iso(r.created_at) }));

async function* emailLogPages(db: Database, email: string): AsyncGenerator<string[]> {
  let after = '0';
  for (;;) {
    const { rows } = await db.exec({ area: 'accounts', mode: 'read', fresh: true }, sql.selectEmailLog, [normalizeEmail(email), after, sql.PAGE_SIZE]);
    if (rows.length === 0) return;
    yield rows.map((r) => json({ id: String(r.id), eventId: String(r.event_id), postId: String(r.post_id), status: r.status, reason: r.reason, at: iso(r.at) }));
    if (rows.length < sql.PAGE_SIZE) return;
    after = String(rows.at(-1)!.id);
  }
}
