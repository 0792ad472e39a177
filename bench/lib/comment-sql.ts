// The comment write as pgbench sees it: the API's own statements, taken from the data package
// (`postSql.insertPost`, and `appendThreadEvent`'s text captured through a recording executor),
// with the API's $n parameters turned into pgbench variables. A NULL the API sends as a
// parameter is written as a literal NULL, because pgbench cannot send a NULL parameter.
import { writeFile } from 'node:fs/promises';
import { appendThreadEvent, postFromRow, postSql, type Executor } from '../../packages/data/src/index.ts';
import { makeEvent, publishedStatuses, type PostCreated } from '../../packages/domain/src/index.ts';

type Param = { var: string; value: string } | { literal: string };

function toPgbench(sql: string, params: Param[]): { text: string; vars: Record<string, string> } {
  const vars: Record<string, string> = {};
  const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
    const p = params[Number(n) - 1];
    if (!p) throw new Error(`no value for $${n}`);
    if ('literal' in p) return p.literal;
    vars[p.var] = p.value;
    return `:${p.var}`;
  });
  return { text, vars };
}

/** The event statement exactly as the data package sends it, and its values. */
async function captureAppend(post: Record<string, unknown>): Promise<{ text: string; values: unknown[] }> {
  let captured: { text: string; values: unknown[] } | undefined;
  const recorder: Executor = {
    query: (async (sql: string | { text: string }, values?: unknown[]) => {
      captured = { text: typeof sql === 'string' ? sql : sql.text, values: values ?? [] };
      return { rows: [{ id: '1', seq: '1', at: new Date() }] };
    }) as Executor['query'],
  };
  const record = postFromRow(post);
  await appendThreadEvent(recorder, { threadId: record.threadId, actor: 'public', postId: record.id, event: makeEvent<PostCreated>('PostCreated', record) });
  return captured!;
}

export interface CommentScript {
  file: string;
  vars: Record<string, string>;
  snapshotBytes: number;
}

/**
 * Writes the pgbench script for one comment: BEGIN; insertPost; appendThreadEvent; COMMIT.
 * `samplePost` is a row the API wrote (its snapshot size is the real one); threads are picked
 * at random from `threadIds` like the HTTP run does.
 */
export async function writeCommentScript(file: string, o: {
  samplePost: Record<string, unknown>;
  threadIds: string[];
  forumId: string;
  authorName: string;
  authorEmail: string;
  message: string;
  html: string;
}): Promise<CommentScript> {
  const ids = o.threadIds.map(Number).sort((a, b) => a - b);
  const contiguous = ids.every((id, i) => i === 0 || id === ids[i - 1] + 1);
  if (!contiguous) throw new Error('bench threads are not contiguous ids; pgbench picks them with random(min, max)');
  const insert = toPgbench(postSql.insertPost.text, [
    { var: 'tid', value: '' },
    { var: 'forum', value: o.forumId },
    { literal: 'NULL' }, // parent: a top-level comment
    { var: 'maxdepth', value: '6' },
    { var: 'bymod', value: 'false' },
    { literal: 'NULL' }, // author_user_id: a guest
    { var: 'name', value: o.authorName },
    { var: 'email', value: o.authorEmail },
    { var: 'token', value: `\\x${'ab'.repeat(32)}` }, // sha-256 of an edit token
    { var: 'notify', value: 'false' },
    { var: 'msg', value: o.message },
    { var: 'html', value: o.html },
    { var: 'status', value: 'approved' },
    { var: 'published', value: `{${publishedStatuses.join(',')}}` },
    { var: 'reasons', value: '[]' }, // moderation reasons: none
    { literal: 'NULL' }, // author_ip
  ]);
  const append = await captureAppend(o.samplePost);
  const snapshot = append.values[5] as Buffer;
  const event = toPgbench(append.text, [
    { var: 'tid', value: '' },
    { var: 'etype', value: String(append.values[1]) },
    { var: 'ever', value: String(append.values[2]) },
    { var: 'actor', value: String(append.values[3]) },
    { var: 'p_id', value: '' }, // set by \gset from the insert's RETURNING
    { var: 'snap', value: `\\x${snapshot.toString('hex')}` },
  ]);
  delete insert.vars.tid;
  delete event.vars.tid;
  delete event.vars.p_id;
  const script = [
    `\\set tid random(${ids[0]}, ${ids[ids.length - 1]})`,
    'BEGIN;',
    `${insert.text.trim()} \\gset p_`,
    `${event.text.trim()};`,
    'COMMIT;',
    '',
  ].join('\n');
  await writeFile(file, script);
  return { file, vars: { ...insert.vars, ...event.vars }, snapshotBytes: snapshot.length };
}
