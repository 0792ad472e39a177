// bench:write's moderation phase (issue 15): the same comments, in the same run, into a forum
// with the default rules and into one with every phase off, alternated (off, on, off, on) so that
// drift in the machine's speed falls on both. The comments come from many guests (a pool of
// emails), with the widget's facts, as a live forum's would: one guest posting everything would
// make the new-commenter and repeated-text checks judge a single author's whole history.
import { api, log, pool } from './run.ts';
import { coresUsed, sampleCpu, waitForQuiet, type CoresUsed } from './cpu.ts';
import { describeLoad, fmt, runLoad, type LoadResult } from './load.ts';
import { BENCH_MESSAGE } from './message.ts';
import { allPhasesOff } from '../../packages/domain/src/index.ts';

export { allPhasesOff };

export const GUESTS = 5000;
export const TARGET_SLOWDOWN = 0.1;

export interface RulesRun {
  mode: 'off' | 'on';
  r: LoadResult;
  cpu: CoresUsed;
}

export interface RulesResult {
  runs: RulesRun[];
  rate: { off: number; on: number };
  /** API CPU µs per comment */
  apiUs: { off: number; on: number };
  statuses: Record<string, number>;
  noLink: boolean;
}

/** The bench message without its link: the default rules then publish a new commenter's comment. */
export const MESSAGE_WITHOUT_LINK = BENCH_MESSAGE.replace(/ Our numbers are at https:\/\/\S+/, '');

/** A guest comment from one of GUESTS emails, with what the widget reports. */
export const guestComment = (message = BENCH_MESSAGE): string => {
  const n = Math.floor(Math.random() * GUESTS);
  return JSON.stringify({ message, author: { name: `Guest ${n}`, email: `guest-${n}@example.com` }, client: { loadedMs: 20000, hp: '' } });
};

export async function rulesOnVsOff(o: {
  url: string;
  adminToken: string;
  apiPid: number;
  postmasterPid: number;
  connections: number;
  seconds: number;
  threads: number;
  query: (sql: string) => Promise<Record<string, unknown>[]>;
  /** the comments carry no link (MESSAGE_WITHOUT_LINK) */
  noLink?: boolean;
}): Promise<RulesResult> {
  const forums = { off: 'bench-rules-off', on: 'bench-rules-on' } as const;
  const threadIds: Record<'off' | 'on', string[]> = { off: [], on: [] };
  for (const mode of ['off', 'on'] as const) {
    const settings = mode === 'off' ? { moderation: allPhasesOff } : undefined;
    await api(o.url, 'POST', '/v1/forums', { slug: forums[mode], name: `Bench rules ${mode}`, ...(settings ? { settings } : {}) }, o.adminToken);
    await pool([...Array(o.threads).keys()], 8, async (i) => {
      const { thread } = await api<{ thread: { id: string } }>(o.url, 'POST', `/v1/forums/${forums[mode]}/threads`, { identifier: `rules-${i}`, title: `Rules ${i}` });
      threadIds[mode].push(thread.id);
    });
  }
  const load = (mode: 'off' | 'on', seconds: number) =>
    runLoad({
      label: `rules ${mode} ${o.connections} conns`,
      url: o.url,
      connections: o.connections,
      seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      path: () => `/v1/threads/${threadIds[mode][Math.floor(Math.random() * threadIds[mode].length)]}/posts`,
      makeBody: () => guestComment(o.noLink ? MESSAGE_WITHOUT_LINK : BENCH_MESSAGE),
      log,
    });
  for (const mode of ['off', 'on'] as const) await load(mode, 3); // warm both paths

  const runs: RulesRun[] = [];
  for (const mode of ['off', 'on', 'off', 'on'] as const) {
    await waitForQuiet(log);
    const before = sampleCpu({ api: o.apiPid, postmaster: o.postmasterPid });
    const r = await load(mode, o.seconds);
    runs.push({ mode, r, cpu: coresUsed(before, sampleCpu({ api: o.apiPid, postmaster: o.postmasterPid })) });
    log(`rules ${mode}: ${describeLoad(r, 'comments/s')}`);
  }
  const of = (mode: 'off' | 'on') => runs.filter((x) => x.mode === mode);
  const rate = (mode: 'off' | 'on') => of(mode).reduce((n, x) => n + x.r.ok, 0) / of(mode).reduce((n, x) => n + x.r.seconds, 0);
  const apiUs = (mode: 'off' | 'on') => (of(mode).reduce((n, x) => n + x.cpu.api * x.r.seconds, 0) / of(mode).reduce((n, x) => n + x.r.ok, 0)) * 1e6;
  const rows = await o.query(`SELECT p.status, count(*)::int AS n FROM posts p JOIN forums f ON f.id = p.forum_id WHERE f.slug = '${forums.on}' GROUP BY p.status ORDER BY p.status`);
  return {
    runs,
    rate: { off: rate('off'), on: rate('on') },
    apiUs: { off: apiUs('off'), on: apiUs('on') },
    statuses: Object.fromEntries(rows.map((r) => [r.status as string, r.n as number])),
    noLink: o.noLink ?? false,
  };
}

export function rulesSummary(x: RulesResult, line: (s?: string) => void): void {
  const slower = 1 - x.rate.on / x.rate.off;
  line(`moderation rules (issue 15), ${x.runs[0].r.connections} connections, alternated off/on/off/on, ${GUESTS} guest emails, with the widget's facts, ${x.noLink ? 'comments without a link' : 'the bench comment (one link)'}:`);
  for (const { mode, r, cpu } of x.runs) line(`    rules ${mode.padEnd(3)}: ${fmt(r.rate)} comments/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms; api ${fmt(cpu.api, 2)} cores, postgres ${fmt(cpu.postgres, 2)}`);
  line(`    comments/s off ${fmt(x.rate.off)}, on ${fmt(x.rate.on)}: ratio on/off ${fmt(x.rate.on / x.rate.off, 3)} (${fmt(slower * 100, 1)}% slower)  target ≤ ${TARGET_SLOWDOWN * 100}% slower: ${slower <= TARGET_SLOWDOWN ? 'MET' : 'MISSED'}`);
  line(`    api CPU per comment: off ${fmt(x.apiUs.off)} µs, on ${fmt(x.apiUs.on)} µs`);
  line(`    statuses in the rules-on forum: ${Object.entries(x.statuses).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
}
