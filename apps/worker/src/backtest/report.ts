// The backtest's result as a person reads it in a terminal: the matrix of verdicts against fates,
// false positives and misses with their samples, the reasons, and what the replay assumed.
import { fates, verdicts, type BacktestResult, type SampleItem } from '@parley/data';

const pad = (s: string | number, n: number) => String(s).padStart(n);

function sample(items: SampleItem[]): string[] {
  return items.map((i) => `    post ${i.postId} (thread ${i.threadId}, ${i.at}): would be ${i.verdict}, was ${i.fate}` +
    (i.reasons.length ? ` — ${i.reasons.map((r) => `${r.code}: ${r.detail}`).join('; ')}` : ''));
}

export function formatReport(r: BacktestResult): string {
  const width = Math.max(...fates.map((f) => f.length)) + 1;
  const lines = [
    `forum ${r.forum}: ${r.comments} comments judged (${r.events} events read) in ${r.elapsedMs} ms, ${r.perSecond}/s` +
      `${r.truncated ? `; stopped at the limit of ${r.maxComments}` : ''}` +
      `${r.skipped.byModerator || r.skipped.unreadable ? `; not judged: ${r.skipped.byModerator} by the forum's key or the admin, ${r.skipped.unreadable} unreadable` : ''}`,
    '',
    `would be \\ was  ${fates.map((f) => pad(f, width)).join('')}`,
    ...verdicts.map((v) => `${v.padEnd(15)} ${fates.map((f) => pad(r.matrix[v][f], width)).join('')}`),
    '',
    `false positives: ${r.falsePositives.count} (would be stopped, yet went out and stayed, or a moderator published them)`,
    ...sample(r.falsePositives.sample),
    `misses: ${r.misses.count} (would go out, yet a moderator deleted them or marked them as spam)`,
    ...sample(r.misses.sample),
    `reasons: ${Object.entries(r.reasons).map(([code, n]) => `${code} ${n}`).join(', ') || 'none'}`,
    'assumptions:',
    ...r.assumptions.map((a) => `  - ${a}`),
  ];
  return `${lines.join('\n')}\n`;
}
