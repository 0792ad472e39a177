// One load-generator process for bench:realtime (forked by realtime-clients.ts, driven over IPC).
// It holds thousands of websocket clients as raw TCP sockets with a hand-written upgrade and a
// minimal frame reader, not the `ws` package: a few hundred bytes per client instead of a full
// WebSocket object, and no per-frame decoding beyond what a measurement needs. Server frames are
// unmasked text; client frames carry a zero mask key (valid, and XOR with zero is a copy).
//
// Every time it reports is `performance.timeOrigin + performance.now()` (ms since the epoch, at
// high resolution); the parent measures and removes the offset between its clock and ours.
import net from 'node:net';

interface Client {
  g: number;
  sock: net.Socket;
  buf: Buffer | undefined;
  open: boolean;
  /** fan-out: when the first frame for the armed thread arrived (0: not yet) */
  fanAt: number;
  fanSeq: number;
}

type Msg = { id: number; op: string; [k: string]: unknown };

const now = () => performance.timeOrigin + performance.now();
const clients: Client[] = [];
let upgradeRequest = Buffer.alloc(0);
let subscribed = 0;
let closedEarly = 0;
const errorFrames = new Map<string, number>();
let mode: 'off' | 'delay' | 'fanout' = 'off';
let fanThread: Buffer = Buffer.alloc(0);
let fanGot = 0;
/** delay mode: one entry per (post, subscriber) */
const delay = { postIds: [] as string[], at: [] as number[], batch: [] as number[] };
let sampleFrame: string | undefined;
/** delay mode: when each server ping (heartbeat) arrived */
let pingAt: number[] = [];
/** clients whose upgrade is in flight, and what to call with its outcome */
const pendingOpen = new Map<Client, (ok: boolean) => void>();

const EVENTS = Buffer.from('{"op":"events"');
const SUBSCRIBED = Buffer.from('{"op":"subscribed"');
const SEQ = Buffer.from('"seq":');

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  return Buffer.concat([head, Buffer.alloc(4), payload]); // mask key 0
}

function onFrame(c: Client, opcode: number, payload: Buffer, at: () => number): void {
  if (opcode === 0x9) {
    if (mode === 'delay') pingAt.push(at());
    return void c.sock.write(frame(0xa, payload)); // ping → pong
  }
  if (opcode === 0x8) return;
  if (opcode !== 0x1) return;
  if (payload.subarray(0, EVENTS.length).equals(EVENTS)) {
    if (mode === 'fanout') {
      if (c.fanAt === 0 && payload.indexOf(fanThread) >= 0) {
        c.fanAt = at();
        const i = payload.indexOf(SEQ);
        c.fanSeq = i < 0 ? -1 : Number.parseInt(payload.toString('latin1', i + SEQ.length, i + SEQ.length + 20), 10);
        fanGot++;
      }
    } else if (mode === 'delay') {
      const t = at();
      const text = payload.toString('utf8');
      sampleFrame ??= text;
      const f = JSON.parse(text) as { events: { post?: { id: string } }[] };
      for (const e of f.events) {
        if (!e.post) continue;
        delay.postIds.push(e.post.id);
        delay.at.push(t);
        delay.batch.push(f.events.length);
      }
    }
    return;
  }
  if (payload.subarray(0, SUBSCRIBED.length).equals(SUBSCRIBED)) return void subscribed++;
  const text = payload.toString('utf8');
  const op = /"op":"(\w+)"/.exec(text)?.[1];
  if (op === 'error' || op === 'reset') {
    const key = `${op} ${/"code":"(\w+)"/.exec(text)?.[1] ?? ''}`.trim();
    errorFrames.set(key, (errorFrames.get(key) ?? 0) + 1);
  }
}

function onData(c: Client, chunk: Buffer): void {
  let t = 0;
  const at = () => (t ||= now());
  let b = c.buf ? Buffer.concat([c.buf, chunk]) : chunk;
  c.buf = undefined;
  if (!c.open) {
    const end = b.indexOf('\r\n\r\n');
    if (end < 0) return void (c.buf = b);
    c.open = true;
    pendingOpen.get(c)?.(b.subarray(0, 12).toString() === 'HTTP/1.1 101');
    b = b.subarray(end + 4);
  }
  let off = 0;
  while (b.length - off >= 2) {
    const opcode = b[off] & 0x0f;
    let len = b[off + 1] & 0x7f;
    let head = 2;
    if (len === 126) {
      if (b.length - off < 4) break;
      len = b.readUInt16BE(off + 2);
      head = 4;
    } else if (len === 127) {
      if (b.length - off < 10) break;
      len = Number(b.readBigUInt64BE(off + 2));
      head = 10;
    }
    if (b.length - off < head + len) break;
    onFrame(c, opcode, b.subarray(off + head, off + head + len), at);
    off += head + len;
  }
  if (off < b.length) c.buf = Buffer.from(b.subarray(off)); // copy: don't pin the whole chunk
}

function connectOne(g: number, port: number, host: string, localAddress: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host, localAddress });
    const c: Client = { g, sock, buf: undefined, open: false, fanAt: 0, fanSeq: 0 };
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      pendingOpen.delete(c);
      if (ok) clients.push(c);
      else sock.destroy();
      resolve(ok);
    };
    pendingOpen.set(c, settle);
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(upgradeRequest));
    sock.on('data', (d: Buffer) => onData(c, d));
    sock.on('error', () => settle(false));
    sock.on('close', () => {
      if (settled && c.open) closedEarly++;
      settle(false);
    });
  });
}

async function connect(m: Msg): Promise<Record<string, unknown>> {
  const url = new URL(String(m.url));
  upgradeRequest = Buffer.from(
    `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const from = Number(m.from);
  const count = Number(m.count);
  const locals = m.localAddresses as string[];
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const g = from + next++;
      if (!(await connectOne(g, Number(url.port), url.hostname, locals[g % locals.length]))) failed++;
    }
  };
  await Promise.all(Array.from({ length: Number(m.concurrency ?? 100) }, worker));
  return { connected: count - failed, failed };
}

async function subscribe(m: Msg): Promise<Record<string, unknown>> {
  const threadIds = m.threadIds as string[];
  const before = subscribed;
  const errorsBefore = [...errorFrames.values()].reduce((a, b) => a + b, 0);
  for (const c of clients) c.sock.write(frame(0x1, Buffer.from(JSON.stringify({ op: 'subscribe', threadId: threadIds[c.g % threadIds.length] }))));
  const until = performance.now() + Number(m.timeoutMs ?? 60_000);
  const errorsNow = () => [...errorFrames.values()].reduce((a, b) => a + b, 0) - errorsBefore;
  while (subscribed - before + errorsNow() < clients.length && performance.now() < until) await new Promise((ok) => setTimeout(ok, 20));
  return { subscribed: subscribed - before, errors: Object.fromEntries(errorFrames) };
}

function collect(): Record<string, unknown> {
  if (mode === 'fanout') {
    const got = clients.filter((c) => c.fanAt > 0);
    return { at: got.map((c) => c.fanAt), g: got.map((c) => c.g), seqs: [...new Set(got.map((c) => c.fanSeq))] };
  }
  const out = { postIds: delay.postIds, at: delay.at, batch: delay.batch, sampleFrame, pingAt };
  pingAt = [];
  delay.postIds = [];
  delay.at = [];
  delay.batch = [];
  return out;
}

function cpuAndMemory(): Record<string, unknown> {
  const u = process.cpuUsage();
  return { cpuSeconds: (u.user + u.system) / 1e6, rss: process.memoryUsage.rss(), clients: clients.length, closedEarly, errors: Object.fromEntries(errorFrames) };
}

async function handle(m: Msg): Promise<Record<string, unknown>> {
  switch (m.op) {
    case 'clock':
      return { t: now() };
    case 'connect':
      return connect(m);
    case 'subscribe':
      return subscribe(m);
    case 'record':
      mode = m.mode as typeof mode;
      if (mode === 'fanout') {
        fanThread = Buffer.from(`"threadId":${JSON.stringify(m.threadId)}`);
        fanGot = 0;
        for (const c of clients) c.fanAt = 0;
      }
      return {};
    case 'progress':
      return { fanGot, deliveries: delay.at.length };
    case 'collect':
      return collect();
    case 'stats':
      return cpuAndMemory();
    case 'disconnect':
      for (const c of clients) {
        c.open = false; // closed by us: not counted in closedEarly
        c.sock.destroy();
      }
      clients.length = 0;
      closedEarly = 0;
      subscribed = 0;
      errorFrames.clear();
      return {};
    default:
      throw new Error(`unknown op ${m.op}`);
  }
}

process.on('message', (m: Msg) => {
  handle(m).then(
    (r) => process.send!({ id: m.id, ...r }),
    (err: Error) => process.send!({ id: m.id, error: err.stack ?? err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
