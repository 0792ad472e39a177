// Comments posted at a fixed rate until stopped, each one recorded: when it was due, when its
// answer arrived, its status and the id the API gave it. The pacing is paced-load.ts's (request i
// is due at start + i / rate, sent by a 5 ms tick, latency measured from the due time, so a stall
// shows as latency and not as fewer requests); what differs is that the run has no fixed length
// (bench:move writes until its move is over, then a while longer) and that every write is kept,
// so a write can be placed in the phase of the move it overlapped and looked up afterwards.
import http from 'node:http';

export interface WriteRecord {
  /** performance.now() when it was due (its latency counts from here) */
  due: number;
  /** performance.now() when its answer ended (or its connection failed) */
  at: number;
  /** HTTP status; 0 when the request failed without an answer */
  status: number;
  /** the post's id, from a 2xx answer */
  id?: string;
  /** the API's error code, from any other answer */
  code?: string;
}

export interface PacedWrites {
  records: WriteRecord[];
  /** writes not sent because `maxInFlight` were already waiting */
  skipped: number;
  startedAt: number;
}

export function startPacedWrites(o: {
  label: string;
  url: string;
  rate: number;
  path: () => string;
  body: string;
  maxInFlight: number;
  log: (line: string) => void;
}): { live: PacedWrites; stop(): Promise<PacedWrites> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxInFlight });
  const base = new URL(o.url);
  const start = performance.now();
  const live: PacedWrites = { records: [], skipped: 0, startedAt: start };
  const pending = new Set<number>();
  let inFlight = 0;
  let next = 0;
  let last = { at: start, n: 0 };
  const ok = () => live.records.filter((r) => r.status >= 200 && r.status < 300).length;

  const fire = (due: number) => {
    inFlight++;
    pending.add(due);
    const done = (status: number, id?: string, code?: string) => {
      if (!pending.delete(due)) return;
      inFlight--;
      live.records.push({ due, at: performance.now(), status, ...(id ? { id } : {}), ...(code ? { code } : {}) });
    };
    const req = http.request(
      { host: base.hostname, port: base.port, method: 'POST', path: o.path(), agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(o.body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let answer: { post?: { id?: string }; error?: { code?: string } } = {};
          try {
            answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof answer;
          } catch {
            // counted by its status; a 2xx without an id is found missing afterwards
          }
          done(status, status >= 200 && status < 300 ? answer.post?.id : undefined, answer.error?.code);
        });
      },
    );
    req.on('error', () => done(0));
    req.end(o.body);
  };

  const tick = setInterval(() => {
    const now = performance.now();
    while (start + (next * 1000) / o.rate <= now) {
      const due = start + (next * 1000) / o.rate;
      next++;
      if (inFlight >= o.maxInFlight) live.skipped++;
      else fire(due);
    }
    if (now - last.at >= 5000) {
      const n = ok();
      const failed = live.records.length - n;
      o.log(`${o.label}: ${((now - start) / 1000).toFixed(0)} s, ${n.toLocaleString('en-US')} comments written, ` +
        `${Math.round(((n - last.n) * 1000) / (now - last.at)).toLocaleString('en-US')}/s over the last 5 s, ${failed} failed, ${live.skipped} skipped, ${inFlight} in flight`);
      last = { at: now, n };
    }
  }, 5);

  return {
    live,
    async stop() {
      clearInterval(tick);
      const waitUntil = performance.now() + 30_000;
      while (inFlight > 0 && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 10));
      agent.destroy();
      if (inFlight > 0) o.log(`${o.label}: ${inFlight} writes still unanswered 30 s after the last was sent; counted as failed`);
      for (const due of pending) live.records.push({ due, at: performance.now(), status: 0 });
      pending.clear();
      return live;
    },
  };
}
