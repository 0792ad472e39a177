// `--profile`: the realtime processes run with `--cpu-prof`; this turns the .cpuprofile a process
// writes on exit into the few lines worth reading: self time per function, the top N.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export function summarizeProfiles(dir: string, top = 15): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const out: string[] = [];
  for (const f of files) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nodes: ProfileNode[] };
    const self = new Map<string, number>();
    let total = 0;
    for (const n of p.nodes) {
      const hits = n.hitCount ?? 0;
      if (!hits) continue;
      total += hits;
      const url = n.callFrame.url.replace(/^file:\/\//, '');
      const where = url ? `${relative(process.cwd(), url).replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')}:${n.callFrame.lineNumber + 1}` : '';
      const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + hits);
    }
    const busy = total - (self.get('(idle)') ?? 0);
    out.push(`${f}: ${total} samples, ${((busy / Math.max(1, total)) * 100).toFixed(0)}% not idle; self time, share of the non-idle samples:`);
    for (const [k, v] of [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
      out.push(`  ${((v / Math.max(1, busy)) * 100).toFixed(1).padStart(5)}%  ${k}`);
    }
  }
  return out;
}
