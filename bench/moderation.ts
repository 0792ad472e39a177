// `pnpm bench:moderation`: the moderation pipeline's CPU per comment (issue 15), measured against
// its ceiling in the same run: rendering and sanitizing the same comment (renderMessage), the CPU
// every write already pays. Two rule sets: the defaults (an empty blocklist), and a loaded forum
// (500 blocklist entries, 200 bans of every kind), each over the benchmarks' ordinary comment with
// 20 recent texts of its author. Pure CPU in this process: no database, no network.
// Usage: node bench/moderation.ts [--comments N]   (default 20,000 per measurement)
import { cpuUsage } from 'node:process';
import { defaultModerationSettings, renderMessage, runPipeline, type Ban, type BlocklistEntry, type ModerationContext, type ModerationSettings } from '@parley/domain';
import { BENCH_MESSAGE } from './lib/message.ts';

const arg = process.argv.indexOf('--comments');
const N = arg > 0 ? Number(process.argv[arg + 1]) : 20_000;
if (!Number.isInteger(N) || N < 100) throw new Error('--comments must be a whole number of at least 100');

const day = 24 * 60 * 60 * 1000;
const now = new Date();

/** One comment's facts; the text varies a little per comment so nothing is memoised by accident. */
const contextOf = (i: number, bans: Ban[]): ModerationContext => ({
  now,
  text: `${BENCH_MESSAGE} (${i})`,
  links: ['https://example.com/notes'],
  author: { userId: String(1000 + (i % 500)), email: `reader${i % 500}@example.org`, ip: `198.51.${(i >> 8) & 255}.${i & 255}` },
  accountAgeMs: 90 * day,
  approvedCount: 7,
  firstGuestEmailComment: false,
  threadClosed: false,
  msSinceWidgetLoad: 40_000,
  honeypot: '',
  recentTexts: Array.from({ length: 20 }, (_, k) => `An earlier comment of this reader, number ${k}, about something else entirely.`),
  bans,
});

const loadedBans: Ban[] = Array.from({ length: 200 }, (_, k): Ban => {
  const kinds = ['user', 'email', 'ip', 'range'] as const;
  const kind = kinds[k % 4];
  const value = kind === 'user' ? String(90_000 + k) : kind === 'email' ? `banned${k}@spam.example` : kind === 'ip' ? `203.0.113.${k % 250}` : k % 8 === 3 ? `2001:db8:${k.toString(16)}::/48` : `10.${k % 250}.0.0/16`;
  return { kind, value, expiresAt: null, reason: 'bench' };
});

const loadedSettings: ModerationSettings = {
  ...structuredClone(defaultModerationSettings),
  blocklist: {
    enabled: true,
    entries: Array.from({ length: 500 }, (_, k): BlocklistEntry =>
      k % 5 === 0 ? { kind: 'domain', term: `spam${k}.example`, action: 'spam' } : { kind: 'word', term: `badword${k}`, action: k % 2 ? 'hold' : 'mask' }),
  },
};

/** CPU microseconds per call of fn over N comments, after a warm-up of N/10. */
function cpuPerComment(fn: (i: number) => unknown): number {
  for (let i = 0; i < N / 10; i++) fn(i);
  const start = cpuUsage();
  for (let i = 0; i < N; i++) fn(i);
  const used = cpuUsage(start);
  return (used.user + used.system) / N;
}

const statuses = new Map<string, number>();
const count = (status: string) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

const ceiling = cpuPerComment((i) => renderMessage(`${BENCH_MESSAGE} (${i})`));
const defaults = cpuPerComment((i) => count(runPipeline(contextOf(i, []), defaultModerationSettings).status));
const loaded = cpuPerComment((i) => count(runPipeline(contextOf(i, loadedBans), loadedSettings).status));

const us = (x: number) => `${x.toFixed(1)} µs`;
console.log(`moderation pipeline, ${N.toLocaleString('en')} comments per measurement (node ${process.version})`);
console.log(`  ceiling: render + sanitize one comment     ${us(ceiling)} CPU per comment`);
console.log(`  pipeline, default rules                    ${us(defaults)} CPU per comment  (${(defaults / ceiling).toFixed(2)} of the render)`);
console.log(`  pipeline, 500 blocklist entries, 200 bans  ${us(loaded)} CPU per comment  (${(loaded / ceiling).toFixed(2)} of the render)`);
console.log(`  outcomes: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}`);
