// The slow-consumer bound, measured where it matters: bytes a client has not read. A client whose
// socket stops reading is sent into the kernel's socket buffers first (on loopback the client's
// receive buffer alone grows to many megabytes; over a real network the server's send buffer
// still holds up to 4 MB), and only then does anything queue in the node. A cut-off clock that
// starts when the node's own queue is full therefore lets a stalled client swallow megabytes
// first. These tests pause a real client's socket on a busy thread of long comments and assert
// what it is sent in all, what the node queues, and how soon it is cut off.
import t from 'tap';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { testRealtimeStack, wsClient, type Client } from '../../../test/harness/realtime.ts';
import { until } from '../../../test/harness/until.ts';

/** A comment near the default maxMessageLength (20,000 characters). */
const bigMessage = (i: number) => `${i} ${'lorem ipsum dolor sit amet '.repeat(740)}`.slice(0, 19_990);
const KiB = 1024;

/** Counts the bytes a client's socket has read. */
const socketOf = (c: Client) => (c.ws as unknown as { _socket: Socket })._socket;

for (const [label, overrides] of [
  ['the defaults (1 MiB, 5 s)', {}],
  ['256 KiB, 1 s', { realtimeSendBufferBytes: 256 * KiB, realtimeSlowConsumerMs: 1000 }],
] as const) t.test(`a client that stops reading is cut off once it is the send buffer behind, not once the kernel is full: ${label}`, async (t) => {
  const { api, wsUrl, realtime } = await testRealtimeStack(t, overrides);
  const bound = api.config.realtimeSendBufferBytes;
  const grace = api.config.realtimeSlowConsumerMs;
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const reader = await wsClient(t, wsUrl);
  const stalled = await wsClient(t, wsUrl);
  await reader.subscribe(thread.id);
  await stalled.subscribe(thread.id);

  // the reader's bytes show what the node has sent each subscriber of the thread since the pause
  let readerBytes = 0;
  reader.ws.on('message', (d: Buffer) => void (readerBytes += d.length));
  const sock = socketOf(stalled);
  sock.pause();
  const readAtPause = sock.bytesRead;
  const pausedAt = Date.now();

  // A busy thread at about 400 KB/s: slow enough that the kernel's buffers would take ~10 s to
  // fill, so a cut-off that waits for them shows. (The interval sets the load; nothing waits on it.)
  let fullAt = 0;
  let cutAt = 0;
  let maxQueued = 0;
  let maxUnread = 0;
  let posts = 0;
  const first = thread.lastSeq + 1;
  const deadline = Date.now() + 40_000;
  while (!cutAt && Date.now() < deadline) {
    await api.post(thread.id, { message: bigMessage(posts++) });
    await reader.reach(thread.id, first + posts - 1, 10_000);
    if (!fullAt && readerBytes >= bound) fullAt = Date.now();
    const b = realtime.buffers();
    maxQueued = Math.max(maxQueued, b.maxQueuedBytes);
    maxUnread = Math.max(maxUnread, b.maxUnreadBytes);
    if (realtime.stats().subscriptions === 1) cutAt = Date.now();
    if (!cutAt) await new Promise((ok) => setTimeout(ok, 40));
  }
  t.ok(cutAt > 0, `cut off after ${posts} posts, ${((cutAt - pausedAt) / 1000).toFixed(1)} s after the pause`);
  t.ok(fullAt > 0 && cutAt - fullAt <= grace + 3000, `cut off ${cutAt - fullAt} ms after the node had sent it the send buffer's worth (grace ${grace} ms, plus 3 s for a loaded machine)`);
  t.ok(maxQueued <= bound + 128 * KiB, `the node's socket queue held at most ${maxQueued} bytes for it (bound ${bound})`);
  t.ok(maxUnread <= bound + 128 * KiB, `it had at most ${maxUnread} bytes sent and unread, kernel buffers included`);

  // It reads again: what it gets is what the node had sent it, kernel buffers included.
  sock.resume();
  const { code } = await stalled.closed;
  t.ok(code === 1013 || code === 1006, `disconnected: ${code === 1013 ? '1013 try again later' : 'terminated'}`);
  const received = sock.bytesRead - readAtPause;
  t.ok(received <= bound + 192 * KiB, `it was sent ${received} bytes after it stopped reading (bound ${bound}); the reader got ${readerBytes}`);
  if (code === 1013) {
    t.same(stalled.frames.slice(-2).map((f) => (f.op === 'reset' ? `reset ${f.threadId}` : f.code)), [`reset ${thread.id}`, 'slow_consumer'], 'told to reset, and why');
  }
  const got = stalled.seqs(thread.id);
  t.same(got, Array.from({ length: got.length }, (_, i) => first + i), 'what it got has no gap');
  t.same(reader.seqs(thread.id), Array.from({ length: posts }, (_, i) => first + i), 'the reader got every event');
  t.equal(reader.ws.readyState, WebSocket.OPEN, 'the reader stays');
  await until('the node to forget the cut-off client', 5000, async () => (realtime.stats().connections === 1 ? true : undefined));
  t.match(realtime.stats(), { connections: 1, subscriptions: 1 });
  t.match(realtime.buffers(), { queuedBytes: 0 }, 'nothing queued for it any more');
});

t.test('one event larger than the send buffer reaches a reader, and a stalled client is still cut off', async (t) => {
  // a 16 KiB bound; each comment renders to ~20 KB, so every frame is larger than the buffer
  const bound = 16 * KiB;
  const { api, wsUrl, realtime } = await testRealtimeStack(t, { realtimeSendBufferBytes: bound, realtimeSlowConsumerMs: 500 });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const reader = await wsClient(t, wsUrl);
  const stalled = await wsClient(t, wsUrl);
  await reader.subscribe(thread.id);
  await stalled.subscribe(thread.id);
  const sock = socketOf(stalled);
  sock.pause();
  const readAtPause = sock.bytesRead;
  const pausedAt = Date.now();
  const first = thread.lastSeq + 1;
  let posts = 0;
  const deadline = Date.now() + 30_000;
  while (realtime.stats().subscriptions === 2 && Date.now() < deadline) {
    await api.post(thread.id, { message: bigMessage(posts++) });
    await reader.reach(thread.id, first + posts - 1, 10_000);
  }
  const cutAfter = Date.now() - pausedAt;
  t.equal(realtime.stats().subscriptions, 1, `the stalled client was cut off after ${posts} posts`);
  t.ok(cutAfter <= 500 + 3000, `${cutAfter} ms after it stopped reading (grace 500 ms, plus 3 s for a loaded machine)`);
  for (let i = 0; i < 3; i++) await api.post(thread.id, { message: bigMessage(-i) });
  await reader.reach(thread.id, first + posts + 2, 10_000);
  t.same(reader.seqs(thread.id), Array.from({ length: posts + 3 }, (_, i) => first + i), 'the reader got every event, each frame larger than the buffer');
  t.notOk(reader.frames.some((f) => f.code === 'slow_consumer'), 'and was never cut off');
  sock.resume();
  await stalled.closed;
  t.ok(sock.bytesRead - readAtPause <= bound + 3 * 25 * KiB, `the stalled client was sent ${sock.bytesRead - readAtPause} bytes after it stopped reading`);
});
