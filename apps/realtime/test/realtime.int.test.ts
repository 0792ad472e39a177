// The realtime endpoint's limits and its answers to hostile clients, over real sockets in the
// embedded layout (API + realtime on one port, Postgres NOTIFY): greeting and heartbeats, paths,
// shutdown, garbage and oversized frames, subscription floods, Origin, idle connections, slow
// consumers, visibility and reset. Each limit is tried at its default and, where a small value
// makes the test quick, at an override.
import t, { type Test } from 'tap';
import { once } from 'node:events';
import WebSocket from 'ws';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';
import { testRealtimeStack, wsClient, type Client, type Frame } from '../../../test/harness/realtime.ts';
import { until } from '../../../test/harness/until.ts';
import { badFrames } from './bad-frames.ts';

const GOOD_ORIGIN = 'https://good.example';

/** A wait with a deadline: a hang fails with a clear message, not at the file's timeout. */
async function within<T>(what: string, p: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends one raw frame and resolves with the error it earns. */
async function errorFor(c: Client, data: string | Buffer, binary = false): Promise<Frame> {
  c.ws.send(data, { binary });
  return c.next((f) => f.op === 'error');
}

async function pong(c: Client): Promise<Frame> {
  c.ws.send(JSON.stringify({ op: 'ping' }));
  return c.next((f) => f.op === 'pong');
}

/** The status of an upgrade the server refuses. */
async function refusedUpgrade(url: string): Promise<number> {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  const [, res] = await within('the refusal', once(ws, 'unexpected-response'));
  ws.terminate();
  return res.statusCode;
}

/** A comment near the default maxMessageLength (20,000 characters). */
const bigMessage = (i: number) => `${i} ${'lorem ipsum dolor sit amet '.repeat(740)}`.slice(0, 19_990);

const contiguous = (t: Test, seqs: number[], from: number, to: number, what = 'in order, no gaps, no duplicates') =>
  t.same(seqs, Array.from({ length: to - from + 1 }, (_, i) => from + i), what);

t.test('greeting: hello with protocol 1 and the limits, defaults and overrides', async (t) => {
  const { wsUrl } = await testRealtimeStack(t);
  const c = await wsClient(t, wsUrl);
  t.same(c.frames[0], { op: 'hello', protocol: 1, limits: { subscriptions: 100, frameBytes: 4096, idleSeconds: 60, replay: 1000 } });

  const small = await testRealtimeStack(t, { realtimeMaxSubscriptions: 3, realtimeMaxFrameBytes: 1024, realtimeIdleSeconds: 5, realtimeMaxReplay: 7 });
  const d = await wsClient(t, small.wsUrl);
  t.same(d.frames[0], { op: 'hello', protocol: 1, limits: { subscriptions: 3, frameBytes: 1024, idleSeconds: 5, replay: 7 } });
});

t.test('heartbeats both ways; a peer that stops answering pings is dropped', async (t) => {
  const { wsUrl, realtime } = await testRealtimeStack(t, { realtimePingSeconds: 1 });
  const c = await wsClient(t, wsUrl);
  c.ws.ping();
  await t.resolves(within('a pong', once(c.ws, 'pong')), 'a websocket ping is answered');
  t.same(await pong(c), { op: 'pong' }, 'a JSON ping is answered');
  await t.resolves(within('a ping from the server', once(c.ws, 'ping')), 'the server pings');

  // autoPong off: this client hears the pings and never answers
  const mute = new WebSocket(wsUrl, { autoPong: false });
  mute.on('error', () => {});
  t.teardown(() => mute.terminate());
  await within('the upgrade', once(mute, 'open'));
  const [code] = await within('the mute peer to be dropped', once(mute, 'close'));
  t.equal(code, 1006, 'terminated, no closing handshake');
  t.equal(c.ws.readyState, WebSocket.OPEN, 'a peer that answers stays');
  await pong(c);
  await until('the server to forget the mute peer', 2000, async () => (realtime.stats().connections === 1 ? true : undefined));
});

t.test('heartbeats: one ping per period however few the connections; a slow pong is fine', async (t) => {
  const { wsUrl, realtime } = await testRealtimeStack(t, { realtimePingSeconds: 1 });
  // answers each ping 400 ms late: well inside the period, far beyond one 100 ms tick
  const slow = new WebSocket(wsUrl, { autoPong: false });
  slow.on('error', () => {});
  t.teardown(() => slow.terminate());
  const pings: number[] = [];
  slow.on('ping', (data) => {
    pings.push(Date.now());
    setTimeout(() => slow.readyState === WebSocket.OPEN && slow.pong(data), 400);
  });
  await within('the upgrade', once(slow, 'open'));
  await until('four pings', 6000, async () => (pings.length >= 4 || slow.readyState !== WebSocket.OPEN ? true : undefined));
  t.equal(slow.readyState, WebSocket.OPEN, 'a peer answering within the period stays');
  const gaps = pings.slice(1, 4).map((at, i) => at - pings[i]);
  t.ok(gaps.length === 3 && gaps.every((g) => g >= 800 && g <= 1500), `pings a period apart (gaps ${gaps.join(', ')} ms)`);
  t.equal(realtime.stats().connections, 1);
});

t.test('upgrades only on /v1/realtime (404 elsewhere); query strings are fine', async (t) => {
  const { wsUrl } = await testRealtimeStack(t);
  const base = wsUrl.replace('/v1/realtime', '');
  t.equal(await refusedUpgrade(`${base}/elsewhere`), 404);
  t.equal(await refusedUpgrade(`${base}/v1/realtime/more`), 404);
  t.equal(await refusedUpgrade(`${base}/v1/realtim`), 404);
  const c = await wsClient(t, `${wsUrl}?client=widget`);
  t.match(c.frames[0], { op: 'hello', protocol: 1 });
});

t.test('close() tells clients to reconnect (1012), then upgrades get 503', async (t) => {
  const { api, wsUrl, realtime } = await testRealtimeStack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const idle = await wsClient(t, wsUrl);
  const subscribed = await wsClient(t, wsUrl);
  t.match(await subscribed.subscribe(thread.id), { op: 'subscribed' });
  await realtime.close();
  t.equal((await within('the close', idle.closed)).code, 1012);
  t.equal((await within('the close', subscribed.closed)).code, 1012);
  t.equal(realtime.healthy(), false);
  t.equal(await refusedUpgrade(wsUrl), 503);
  t.equal(realtime.stats().connections, 0);
});

t.test('garbage frames get error frames with stable codes; the connection stays usable', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const c = await wsClient(t, wsUrl);
  // 19 bad frames, one short of the limit: a binary one, then the parser's table (its unit test has every case)
  const cases: [string, string | Buffer, string][] = [
    ['binary, even if it is JSON', Buffer.from('{"op":"ping"}'), 'bad_frame'],
    ...badFrames(thread.id).slice(0, 18).map((f): [string, string, string] => [f.what, f.text, f.code]),
  ];
  for (const [what, data, code] of cases) {
    const f = await errorFor(c, data, typeof data !== 'string');
    t.match(f, { op: 'error', code, message: String }, what);
  }
  t.same(await pong(c), { op: 'pong' }, 'still answers');
  t.match(await c.subscribe(thread.id), { op: 'subscribed', threadId: thread.id }, 'still subscribes');
  const { post } = await api.post(thread.id);
  t.match((await c.next((f) => f.op === 'events')).events, [{ type: 'PostCreated', post: { id: post.id } }], 'still delivers');
  t.equal(c.ws.readyState, WebSocket.OPEN);
});

t.test('the 20th protocol error closes the connection with 1008', async (t) => {
  const { wsUrl, realtime } = await testRealtimeStack(t);
  const c = await wsClient(t, wsUrl);
  const other = await wsClient(t, wsUrl);
  for (let i = 1; i < 20; i++) await errorFor(c, '{"op":"nope"}');
  await pong(c);
  t.equal(c.ws.readyState, WebSocket.OPEN, 'open after 19');
  c.ws.send('garbage');
  t.equal((await within('the close', c.closed)).code, 1008);
  t.equal(c.frames.filter((f) => f.op === 'error').length, 20, 'the 20th got its error frame before the close');
  await pong(other);
  await until('the server to drop it', 2000, async () => (realtime.stats().connections === 1 ? true : undefined));
});

t.test('an oversized frame closes that socket with 1009, not the server', async (t) => {
  const { api, wsUrl, realtime } = await testRealtimeStack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const bystander = await wsClient(t, wsUrl);
  await bystander.subscribe(thread.id);

  const c = await wsClient(t, wsUrl);
  const ping4096 = '{"op":"ping"}'.padEnd(4096, ' ');
  c.ws.send(ping4096);
  t.same(await c.next((f) => f.op === 'pong'), { op: 'pong' }, 'a frame of exactly 4096 bytes (the default) is read');
  c.ws.send(ping4096 + ' ');
  t.equal((await within('the close', c.closed)).code, 1009, '4097 bytes: message too big');

  const flood = await wsClient(t, wsUrl);
  flood.ws.send(JSON.stringify({ op: 'subscribe', threadId: thread.id, key: 'x'.repeat(1 << 20) }));
  t.equal((await within('the close', flood.closed)).code, 1009, 'a megabyte frame');

  t.ok(realtime.healthy());
  const { post } = await api.post(thread.id);
  t.match((await bystander.next((f) => f.op === 'events')).events, [{ post: { id: post.id } }], 'others are still served');
  t.match((await wsClient(t, wsUrl)).frames[0], { op: 'hello' }, 'still accepting');

  const small = await testRealtimeStack(t, { realtimeMaxFrameBytes: 1024 });
  const d = await wsClient(t, small.wsUrl);
  d.ws.send('{"op":"ping"}'.padEnd(1024, ' '));
  await d.next((f) => f.op === 'pong');
  d.ws.send('{"op":"ping"}'.padEnd(1025, ' '));
  t.equal((await within('the close', d.closed)).code, 1009, 'the override: 1025 bytes');
});

t.test('a flood of subscriptions: the default cap of 100, whatever the thread ids', async (t) => {
  const { wsUrl, realtime } = await testRealtimeStack(t);
  const c = await wsClient(t, wsUrl);
  // sent at once: each takes a slot before its thread is looked up, so the 101st is refused
  for (let i = 1; i <= 101; i++) c.ws.send(JSON.stringify({ op: 'subscribe', threadId: String(9_000_000 + i) }));
  const answers = await Promise.all(Array.from({ length: 101 }, (_, i) => c.next((f) => f.threadId === String(9_000_001 + i))));
  t.same(answers.map((f) => f.code).filter((code) => code === 'too_many_subscriptions').length, 1);
  t.match(answers[100], { op: 'error', code: 'too_many_subscriptions' });
  t.ok(answers.slice(0, 100).every((f) => f.code === 'thread_not_found'), 'the first 100 were looked up');
  t.equal(realtime.stats().subscriptions, 0);
  await pong(c);
});

t.test('subscriptions over an overridden cap; unsubscribe frees a slot; the other answers', async (t) => {
  const { api, wsUrl, realtime } = await testRealtimeStack(t, { realtimeMaxSubscriptions: 3 });
  const { forum } = await api.forum();
  const threads: { id: string }[] = [];
  for (let i = 0; i < 4; i++) threads.push(await api.thread(forum.slug));
  const [a, b, c, d] = threads.map((th) => th.id);
  const ws = await wsClient(t, wsUrl);

  t.match(await ws.subscribe(a), { op: 'subscribed', threadId: a, moderator: false });
  t.match(await ws.subscribe(a), { op: 'error', code: 'already_subscribed', threadId: a });
  t.match(await ws.subscribe('123456789'), { op: 'error', code: 'thread_not_found', threadId: '123456789' });
  t.match(await ws.subscribe(b), { op: 'subscribed' });
  t.match(await ws.subscribe(c), { op: 'subscribed' }, 'an unknown thread took no slot');
  t.match(await ws.subscribe(d), { op: 'error', code: 'too_many_subscriptions', threadId: d });
  t.equal(realtime.stats().subscriptions, 3);

  ws.ws.send(JSON.stringify({ op: 'unsubscribe', threadId: d }));
  t.match(await ws.next((f) => f.threadId === d), { op: 'error', code: 'not_subscribed' });
  ws.ws.send(JSON.stringify({ op: 'unsubscribe', threadId: b }));
  t.same(await ws.next((f) => f.threadId === b), { op: 'unsubscribed', threadId: b });
  t.match(await ws.subscribe(d), { op: 'subscribed', threadId: d }, 'the freed slot');

  // nothing arrives for the thread left behind, and the others still deliver
  await api.post(b);
  const { post } = await api.post(d);
  const f = await ws.next((f) => f.op === 'events');
  t.equal(f.threadId, d);
  t.equal(f.events[0].post.id, post.id);
  t.same(ws.seqs(b), []);

  // a flood at the small cap: slots are taken in arrival order, none twice
  const flood = await wsClient(t, wsUrl);
  for (const id of [a, b, c, d, a, b]) flood.ws.send(JSON.stringify({ op: 'subscribe', threadId: id }));
  const answers: Frame[] = [];
  for (let i = 0; i < 6; i++) answers.push(await flood.next((f) => f.op === 'subscribed' || f.op === 'error'));
  const byThread = (id: string) => answers.filter((f) => f.threadId === id).map((f) => f.code ?? f.op).sort();
  t.same(byThread(a), ['already_subscribed', 'subscribed']);
  t.same(byThread(b), ['already_subscribed', 'subscribed']);
  t.same(byThread(c), ['subscribed']);
  t.same(byThread(d), ['too_many_subscriptions']);
});

t.test('Origin: allowedOrigins, the moderator key and the bearer header', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum, moderatorKey } = await api.forum(undefined, { allowedOrigins: [GOOD_ORIGIN, 'http://localhost:8080'] });
  const thread = await api.thread(forum.slug);
  const other = await api.forum();
  const open = await api.thread(other.forum.slug);

  t.match(await (await wsClient(t, wsUrl, { origin: GOOD_ORIGIN })).subscribe(thread.id), { op: 'subscribed', moderator: false }, 'a listed origin');
  t.match(await (await wsClient(t, wsUrl, { origin: 'http://localhost:8080' })).subscribe(thread.id), { op: 'subscribed' }, 'the other listed origin');
  const evil = await wsClient(t, wsUrl, { origin: 'https://evil.example' });
  t.match(await evil.subscribe(thread.id), { op: 'error', code: 'origin_not_allowed', threadId: thread.id }, 'an unlisted origin');
  t.match(await evil.subscribe(thread.id), { op: 'error', code: 'origin_not_allowed' }, 'a refusal takes no slot');
  t.match(await (await wsClient(t, wsUrl, { origin: 'https://good.example.evil.example' })).subscribe(thread.id), { code: 'origin_not_allowed' }, 'no prefix match');
  const none = await wsClient(t, wsUrl);
  t.match(await none.subscribe(thread.id), { op: 'error', code: 'origin_not_allowed' }, 'no Origin');

  t.match(await evil.subscribe(thread.id, { key: moderatorKey }), { op: 'subscribed', moderator: true }, "the forum's moderator key bypasses");
  t.match(await none.subscribe(thread.id, { key: ADMIN_TOKEN }), { op: 'subscribed', moderator: true }, 'so does the admin token');
  const bearer = await wsClient(t, wsUrl, { headers: { authorization: `Bearer ${moderatorKey}` } });
  t.match(await bearer.subscribe(thread.id), { op: 'subscribed', moderator: true }, 'the key as a bearer header at the upgrade');

  const wrong = await wsClient(t, wsUrl, { origin: GOOD_ORIGIN });
  t.match(await wrong.subscribe(thread.id, { key: 'pmk_not-a-real-key' }), { op: 'error', code: 'unauthorized' }, 'a wrong key');
  t.match(await wrong.subscribe(thread.id, { key: 'hunter2' }), { op: 'error', code: 'unauthorized' }, 'not a key at all');
  t.match(await wrong.subscribe(thread.id, { key: other.moderatorKey }), { op: 'error', code: 'unauthorized' }, "another forum's key");
  t.match(await wrong.subscribe(open.id, { key: moderatorKey }), { op: 'error', code: 'unauthorized' }, 'a key on a thread of another forum');
  t.match(await wrong.subscribe(thread.id), { op: 'subscribed', moderator: false }, 'the connection still subscribes');

  // a forum whose list is empty takes any origin, and none
  t.match(await (await wsClient(t, wsUrl, { origin: 'https://evil.example' })).subscribe(open.id), { op: 'subscribed' }, 'empty list: any origin');
  t.match(await none.subscribe(open.id), { op: 'subscribed' }, 'empty list: no Origin');
});

t.test('idle connections: closed with 4000 after realtimeIdleSeconds without a subscription', async (t) => {
  const { api, wsUrl, realtime } = await testRealtimeStack(t, { realtimeIdleSeconds: 1 });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const started = Date.now();
  const idle = await wsClient(t, wsUrl);
  const pinging = await wsClient(t, wsUrl);
  const busy = await wsClient(t, wsUrl);
  const quitter = await wsClient(t, wsUrl);
  t.match(await busy.subscribe(thread.id), { op: 'subscribed' });
  t.match(await quitter.subscribe(thread.id), { op: 'subscribed' });
  // pings keep the socket alive but do not count as use
  const pinger = setInterval(() => pinging.ws.send('{"op":"ping"}'), 100);
  t.teardown(() => clearInterval(pinger));

  t.same(await within('the close', idle.closed), { code: 4000, reason: 'idle' });
  t.ok(Date.now() - started >= 1000, 'not before the timeout');
  t.equal((await within('the close', pinging.closed)).code, 4000, 'JSON pings are not a subscription');
  clearInterval(pinger);
  t.equal(quitter.ws.readyState, WebSocket.OPEN, 'a subscription keeps a connection');

  // unsubscribing from its last thread starts the clock afresh
  quitter.ws.send(JSON.stringify({ op: 'unsubscribe', threadId: thread.id }));
  await quitter.next((f) => f.op === 'unsubscribed');
  const unsubscribed = Date.now();
  t.equal((await within('the close', quitter.closed)).code, 4000);
  t.ok(Date.now() - unsubscribed >= 900, `closed ${Date.now() - unsubscribed} ms after its last unsubscribe`);

  t.equal(busy.ws.readyState, WebSocket.OPEN, 'a connection with a subscription stays');
  await pong(busy);
  t.equal(realtime.stats().connections, 1);
});

t.test('a slow consumer is told to reset and cut off; the others get every event', async (t) => {
  // no coalescing window: each post goes out as soon as it is read, which keeps the loop quick
  const { api, wsUrl, realtime } = await testRealtimeStack(t, { realtimeSendBufferBytes: 64 * 1024, realtimeCoalesceMs: 0, realtimeSlowConsumerMs: 300 });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const fast = await wsClient(t, wsUrl);
  const slow = await wsClient(t, wsUrl);
  await fast.subscribe(thread.id);
  await slow.subscribe(thread.id);
  (slow.ws as any)._socket.pause();

  // Each post is delivered to `fast` before the next is written, while `slow`'s share piles up.
  // The node counts what `slow` has not read (pings carry byte counts), kernel buffers included,
  // holds at most 64 KiB plus one frame of it, waits 300 ms for it to read, then cuts it off.
  // (This test only shows that a cut-off comes; slow-consumer.int.test.ts pins how much a stalled
  // client is sent first, and how soon: before that fix, megabytes, sitting in the kernel.)
  const first = thread.lastSeq + 1;
  let seq = thread.lastSeq;
  let written = 0;
  const post = async (i: number) => {
    const message = bigMessage(i);
    await api.post(thread.id, { message });
    written += message.length;
    await fast.reach(thread.id, ++seq);
  };
  let cutAt = 0;
  for (let i = 0; i < 2000 && !cutAt; i++) {
    await post(i);
    if (realtime.stats().subscriptions === 1) cutAt = seq;
  }
  t.ok(cutAt > 0, `cut off after ${cutAt - first + 1} posts (${(written / 1e6).toFixed(1)} MB written)`);
  // Reading again at once, it may drain what was queued before the node gives up on the closing
  // handshake and terminates it.
  (slow.ws as any)._socket.resume();
  for (let i = 0; i < 5; i++) await post(-i);
  contiguous(t, fast.seqs(thread.id), first, seq, 'the fast subscriber got every event');
  t.equal(fast.ws.readyState, WebSocket.OPEN, 'the fast subscriber stays');

  const { code } = await within('the close', slow.closed);
  t.ok(code === 1013 || code === 1006, `disconnected: ${code === 1013 ? 'try again later' : 'terminated'}`);
  const got = slow.seqs(thread.id);
  t.ok(got.length < cutAt - first + 1, `it got ${got.length} of the first ${cutAt - first + 1} events`);
  contiguous(t, got, first, first + got.length - 1, 'what it got has no gap');
  if (code === 1013) {
    // the close frame came through, so did the frames queued just before it
    t.same(slow.frames.slice(-2).map((f) => f.op === 'reset' ? `reset ${f.threadId}` : f.code), [`reset ${thread.id}`, 'slow_consumer'], 'told to reset, and why');
  }
  await until('the node to forget it', 3000, async () => (realtime.stats().connections === 1 ? true : undefined));
  t.match(realtime.stats(), { connections: 1, subscriptions: 1 }, "nothing of the slow consumer is held");
});

t.test('visibility: pending and spam reach the public as hidden, moderators in full; deleted as a tombstone', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum, moderatorKey } = await api.forum(undefined, { preModeration: true });
  const thread = await api.thread(forum.slug);
  const pub = await wsClient(t, wsUrl);
  const mod = await wsClient(t, wsUrl);
  t.match(await pub.subscribe(thread.id), { op: 'subscribed', moderator: false });
  t.match(await mod.subscribe(thread.id, { key: moderatorKey }), { op: 'subscribed', moderator: true });
  const base = thread.lastSeq;
  const events = async (c: Client, seq: number): Promise<Frame> => {
    await c.reach(thread.id, seq);
    return c.frames.filter((f) => f.op === 'events').flatMap((f) => f.events).find((e) => e.seq === seq);
  };
  const moderate = async (postId: string, action: string) => {
    const r = await api.req('POST', `/v1/posts/${postId}/${action}`, { token: moderatorKey });
    t.equal(r.status, 200, action);
    return r.body.post;
  };

  const { post } = await api.post(thread.id, { message: 'wait for *me*' });
  t.same(await events(pub, base + 1), { seq: base + 1, type: 'hidden', postId: post.id }, 'pending: hidden from the public');
  t.match(await events(mod, base + 1), { seq: base + 1, type: 'PostCreated', post: { id: post.id, status: 'pending', html: /<em>me<\/em>/, author: { name: 'Guest' } } });

  const approved = await moderate(post.id, 'approve');
  const { moderation, ...asPublic } = approved;
  t.ok(moderation, "the moderator's answer says why it was held (nothing here)");
  const publicEvent = await events(pub, base + 2);
  t.match(publicEvent, { seq: base + 2, type: 'PostApproved', post: asPublic }, 'approved: everyone sees it');
  t.notOk('moderation' in publicEvent.post, 'but not its moderation');
  t.match(await events(mod, base + 2), { seq: base + 2, type: 'PostApproved', post: approved });

  const { post: junk } = await api.post(thread.id, { message: 'buy now' });
  await moderate(junk.id, 'spam');
  t.same(await events(pub, base + 4), { seq: base + 4, type: 'hidden', postId: junk.id }, 'spam: hidden from the public');
  t.match(await events(mod, base + 4), { type: 'PostMarkedSpam', post: { id: junk.id, status: 'spam', html: /buy now/ } });

  await moderate(post.id, 'delete');
  const tomb = await events(pub, base + 5);
  t.match(tomb, { seq: base + 5, type: 'PostDeleted', post: { id: post.id, status: 'deleted', tombstone: true, html: '', author: null } }, 'deleted: a tombstone');
  t.notOk(JSON.stringify(tomb).includes('me</em>'), 'nothing of its content');
  t.match(await events(mod, base + 5), { type: 'PostDeleted', post: { id: post.id, status: 'deleted', html: /<em>me<\/em>/ } }, 'moderators keep the content');
  await moderate(junk.id, 'delete');
  t.match(await events(pub, base + 6), { type: 'PostDeleted', post: { id: junk.id, tombstone: true, html: '' } }, 'a deleted spam post too');

  await mod.reach(thread.id, base + 6);
  contiguous(t, pub.seqs(thread.id), base + 1, base + 6);
  contiguous(t, mod.seqs(thread.id), base + 1, base + 6);
});

t.test('reset: after further behind than realtimeMaxReplay, or past the head', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t, { realtimeMaxReplay: 5 });
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  for (let i = 0; i < 8; i++) await api.post(thread.id);
  const head = thread.lastSeq + 8;
  const c = await wsClient(t, wsUrl);

  t.match(await c.subscribe(thread.id, { after: head - 6 }), { op: 'reset', threadId: thread.id }, '6 behind, 5 allowed');
  t.match(await c.subscribe(thread.id, { after: head + 1 }), { op: 'reset', threadId: thread.id }, 'past the head');
  t.match(await c.subscribe(thread.id, { after: 1_000_000 }), { op: 'reset', threadId: thread.id }, 'far past the head');
  t.match(await c.subscribe(thread.id, { after: head - 5 }), { op: 'subscribed', seq: head - 5 }, 'a reset took no slot');
  await c.reach(thread.id, head);
  contiguous(t, c.seqs(thread.id), head - 4, head);

  const d = await wsClient(t, wsUrl);
  t.match(await d.subscribe(thread.id, { after: head }), { op: 'subscribed', seq: head }, 'at the head');
  await api.post(thread.id);
  await d.reach(thread.id, head + 1);
  t.same(d.seqs(thread.id), [head + 1]);

  // the default (1000) replays a whole young thread
  const dflt = await testRealtimeStack(t);
  const f2 = await dflt.api.forum();
  const th2 = await dflt.api.thread(f2.forum.slug);
  for (let i = 0; i < 8; i++) await dflt.api.post(th2.id);
  const e = await wsClient(t, dflt.wsUrl);
  t.match(await e.subscribe(th2.id, { after: 0 }), { op: 'subscribed', seq: 0 });
  await e.reach(th2.id, th2.lastSeq + 8);
  contiguous(t, e.seqs(th2.id), 1, th2.lastSeq + 8);
  t.match(await e.subscribe(th2.id, { after: th2.lastSeq + 9 }), { op: 'error', code: 'already_subscribed' });
});

// Frames close at 64 KiB, and a backlog larger than the send buffer (a replay, a coalesced burst of
// long comments) is paced by how fast the client reads: a reader that keeps up is never cut off.
t.test('a reader that keeps up is never cut off, however big the replay or the burst', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t);
  const { forum } = await api.forum();
  const thread = await api.thread(forum.slug);
  const posts = 60;
  const head = thread.lastSeq + posts;
  /** waits until the client has the head, or has been cut off */
  const settled = (c: Client) => c.next((f) => f.code === 'slow_consumer' || c.seqs(thread.id).at(-1) === head, 10_000);

  const live = await wsClient(t, wsUrl);
  await live.subscribe(thread.id);
  await Promise.all(Array.from({ length: posts }, (_, i) => api.post(thread.id, { message: bigMessage(i) })));
  await settled(live);
  contiguous(t, live.seqs(thread.id), thread.lastSeq + 1, head, 'a burst, coalesced');
  t.notOk(live.frames.some((f) => f.code === 'slow_consumer'), 'the live reader was not cut off');

  const resumed = await wsClient(t, wsUrl);
  t.match(await resumed.subscribe(thread.id, { after: thread.lastSeq }), { op: 'subscribed' });
  await settled(resumed);
  contiguous(t, resumed.seqs(thread.id), thread.lastSeq + 1, head, 'a replay');
  t.notOk(resumed.frames.some((f) => f.code === 'slow_consumer'), 'the resuming reader was not cut off');
});

// Bad frames are a broken client; refusals (a full subscription list, a thread subscribed twice,
// one that doesn't exist) are answers an honest client gets. Only the first count toward the
// 20 bad frames; refusals have their own, generous bound (realtimeMaxRefusals, default 1000).
t.test('refused operations are not bad frames: an honest client at its subscription cap stays', async (t) => {
  const { api, wsUrl } = await testRealtimeStack(t, { realtimeMaxSubscriptions: 1 });
  t.equal(api.config.realtimeMaxRefusals, 1000, 'the default bound on refusals');
  const { forum } = await api.forum();
  const a = await api.thread(forum.slug);
  const b = await api.thread(forum.slug);
  const c = await wsClient(t, wsUrl);
  t.match(await c.subscribe(a.id), { op: 'subscribed' });
  for (let i = 0; i < 25; i++) t.match(await c.subscribe(b.id), { op: 'error', code: 'too_many_subscriptions' }, `at the cap, try ${i + 1}`);
  for (let i = 0; i < 25; i++) t.match(await c.subscribe(a.id), { op: 'error', code: 'already_subscribed' }, `twice, try ${i + 1}`);
  t.same(await pong(c), { op: 'pong' }, 'still open after 50 refusals');
  const { post } = await api.post(a.id);
  t.match((await c.next((f) => f.op === 'events')).events, [{ post: { id: post.id } }], 'still delivers');

  // malformed frames still have their budget of 20, whatever was refused before
  for (let i = 1; i < 20; i++) await errorFor(c, '{"op":"nope"}');
  await pong(c);
  c.ws.send('garbage');
  t.equal((await within('the close', c.closed)).code, 1008, 'the 20th bad frame closes it');
});

t.test('refused operations have their own bound: realtimeMaxRefusals, then 1008', async (t) => {
  const { api, wsUrl, realtime } = await testRealtimeStack(t, { realtimeMaxRefusals: 5, realtimeMaxSubscriptions: 2 });
  const { forum } = await api.forum();
  const a = await api.thread(forum.slug);
  const b = await api.thread(forum.slug);
  const c = await wsClient(t, wsUrl);
  t.match(await c.subscribe(a.id), { op: 'subscribed' });
  t.match(await c.subscribe(a.id), { code: 'already_subscribed' });
  t.match(await c.subscribe('123456789'), { code: 'thread_not_found' });
  t.match(await c.subscribe(b.id), { op: 'subscribed' });
  t.match(await c.subscribe('123456790'), { code: 'too_many_subscriptions' });
  c.ws.send(JSON.stringify({ op: 'unsubscribe', threadId: '123456791' }));
  t.match(await c.next((f) => f.code === 'not_subscribed'), { op: 'error' });
  await pong(c);
  t.equal(c.ws.readyState, WebSocket.OPEN, 'open after 4 refusals');
  t.match(await c.subscribe(a.id), { op: 'error', code: 'already_subscribed' }, 'the 5th gets its answer');
  t.same(await within('the close', c.closed), { code: 1008, reason: 'too many refused operations' });
  await until('the node to drop it', 3000, async () => (realtime.stats().connections === 0 ? true : undefined));
});
