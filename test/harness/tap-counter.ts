// Counts leaf test points in a TAP stream. A subtest shows up as `# Subtest: name`, its indented
// body, then an `ok`/`not ok` line at the subtest's own indentation: that closing line summarises
// the body and is not counted again. Buffered subtests (`ok 1 - name {` … `}`) are handled alike.
// A failing subtest with no failing leaf inside (a file that crashed before asserting, a timeout)
// still counts as one failure, so nothing fails silently. `# SKIP` / `# TODO` points count as neither.

interface Frame {
  indent: number;
  name: string;
  failures: number;
  /** buffered subtests carry their verdict on the opening line */
  bufferedOk?: boolean;
}

const SUBTEST = /^(\s*)# Subtest\b:?\s*(.*)$/;
const POINT = /^(\s*)(not )?ok\b(.*)$/;
const BUFFERED_END = /^(\s*)\}\s*$/;
const DIRECTIVE = /#\s*(SKIP|TODO)\b/i;

export class TapCounter {
  passed = 0;
  failed = 0;
  harnessFailed = false;
  /** Where each failure was, as `file > subtest > point`, so the end of a long log names them. */
  readonly failures: string[] = [];
  private readonly stack: Frame[] = [];

  line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    const sub = SUBTEST.exec(line);
    if (sub) {
      this.stack.push({ indent: sub[1].length, name: sub[2].trim(), failures: 0 });
      return;
    }
    const end = BUFFERED_END.exec(line);
    const top = this.stack.at(-1);
    if (end && top?.bufferedOk !== undefined && top.indent === end[1].length) {
      this.close(top.bufferedOk);
      return;
    }
    if (/^\s*Bail out!/.test(line)) {
      this.fail(line.trim());
      return;
    }
    const point = POINT.exec(line);
    if (!point) return;
    const indent = point[1].length;
    const ok = !point[2];
    const rest = point[3];
    if (/\{\s*$/.test(rest)) {
      // a buffered subtest opens; replace an unbuffered frame at this indent if one was announced
      if (top && top.indent === indent && top.bufferedOk === undefined) top.bufferedOk = ok;
      else this.stack.push({ indent, name: pointName(rest.replace(/\{\s*$/, '')), failures: 0, bufferedOk: ok });
      return;
    }
    if (top && top.indent === indent && top.bufferedOk === undefined) {
      this.close(ok);
      return;
    }
    if (DIRECTIVE.test(rest)) return;
    if (ok) this.passed++;
    else this.fail(pointName(rest));
  }

  /** After the runner exits: a non-zero exit with no failure seen still fails the run. */
  finish(exitCode: number): void {
    if (exitCode !== 0 && this.failed === 0) this.fail(`the test runner exited with ${exitCode}`);
  }

  /** Something outside the suites (Postgres, migrations) broke the run. */
  harnessFailure(): void {
    this.harnessFailed = true;
    this.failed++;
    this.failures.push('the harness');
  }

  private close(ok: boolean): void {
    const frame = this.stack.pop()!;
    if (!ok && frame.failures === 0) {
      this.stack.push(frame);
      this.fail('');
      this.stack.pop();
    }
  }

  private fail(point: string): void {
    this.failed++;
    for (const f of this.stack) f.failures++;
    this.failures.push([...this.stack.map((f) => f.name), point].filter(Boolean).join(' > '));
  }
}

/** `1 - name # time=3ms` → `name` */
function pointName(rest: string): string {
  return rest.replace(/^\s*\d*\s*-?\s*/, '').replace(/\s+#\s.*$/, '').trim();
}
