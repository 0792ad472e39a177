import t from 'tap';
import { ADMIN_TOKEN, testApi } from '../../../test/harness/app.ts';

const all = ['ThreadCreated', 'PostCreated', 'PostEdited', 'PostApproved', 'PostMarkedSpam', 'PostDeleted', 'PostRestored', 'PostHeld', 'PostShadowed', 'PostAuthorErased', 'VoteCast'];

t.test('webhooks: created with the moderator key, listed without secrets, deleted', async (t) => {
  const api = await testApi(t, { webhookAllowPrivate: true });
  const { forum, moderatorKey } = await api.forum('hooks');

  const created = await api.req('POST', '/v1/forums/hooks/webhooks', { token: moderatorKey, body: { url: 'http://127.0.0.1:9/in' } });
  t.equal(created.status, 201);
  t.match(created.body.secret, /^whsec_[A-Za-z0-9_-]{40,}$/);
  t.match(created.body.webhook, { id: /^\d+$/, url: 'http://127.0.0.1:9/in', events: all, createdAt: String });

  const some = await api.req('POST', '/v1/forums/hooks/webhooks', { token: ADMIN_TOKEN, body: { url: 'https://127.0.0.1/x', events: ['VoteCast', 'PostCreated'] } });
  t.equal(some.status, 201, 'the admin token may too');
  t.same(some.body.webhook.events, ['PostCreated', 'VoteCast'], 'events come back in canonical order');
  t.not(some.body.secret, created.body.secret, 'each webhook has its own secret');

  const list = await api.req('GET', '/v1/forums/hooks/webhooks', { token: moderatorKey });
  t.equal(list.status, 200);
  t.same(list.body.webhooks.map((w: any) => w.id), [created.body.webhook.id, some.body.webhook.id]);
  t.notOk(JSON.stringify(list.body).includes('whsec_'), 'no secret in the list');

  const removed = await api.req('DELETE', `/v1/forums/hooks/webhooks/${created.body.webhook.id}`, { token: moderatorKey });
  t.equal(removed.status, 204);
  const again = await api.req('DELETE', `/v1/forums/hooks/webhooks/${created.body.webhook.id}`, { token: moderatorKey });
  t.same([again.status, again.body.error.code], [404, 'webhook_not_found']);
  t.same((await api.req('GET', '/v1/forums/hooks/webhooks', { token: moderatorKey })).body.webhooks.map((w: any) => w.id), [some.body.webhook.id]);

  // configuration changes are forum events; the secret never reaches the log
  const { rows } = await api.db.exec({ area: 'forums', mode: 'read' }, `SELECT type, thread_id, snapshot FROM events WHERE forum_id = $1 AND type LIKE 'Webhook%' ORDER BY id`, [forum.id]);
  t.same(rows.map((r) => [r.type, r.thread_id]), [['WebhookCreated', null], ['WebhookCreated', null], ['WebhookDeleted', null]]);
  for (const r of rows) t.notOk((r.snapshot as Buffer).toString('latin1').includes('whsec_'), 'no secret in the event snapshot');
});

t.test('webhooks: authorization is per forum', async (t) => {
  const api = await testApi(t, { webhookAllowPrivate: true });
  const a = await api.forum('forum-a');
  const b = await api.forum('forum-b');
  const hook = await api.req('POST', '/v1/forums/forum-a/webhooks', { token: a.moderatorKey, body: { url: 'http://127.0.0.1:9/' } });
  const id = hook.body.webhook.id;
  const calls: [string, string, unknown?][] = [
    ['POST', '/v1/forums/forum-a/webhooks', { url: 'http://127.0.0.1:9/' }],
    ['GET', '/v1/forums/forum-a/webhooks'],
    ['DELETE', `/v1/forums/forum-a/webhooks/${id}`],
    ['GET', `/v1/forums/forum-a/webhooks/${id}/deliveries`],
    ['POST', `/v1/forums/forum-a/webhooks/${id}/replay`, { eventId: '1' }],
  ];
  for (const [method, path, body] of calls) {
    const anon = await api.req(method, path, { body });
    t.same([anon.status, anon.body.error.code], [401, 'unauthorized'], `${method} ${path} without a key`);
    const foreign = await api.req(method, path, { body, token: b.moderatorKey });
    t.same([foreign.status, foreign.body.error.code], [403, 'forbidden'], `${method} ${path} with forum B's key`);
  }
  // forum B's own routes don't see forum A's webhook either
  const viaB = await api.req('DELETE', `/v1/forums/forum-b/webhooks/${id}`, { token: b.moderatorKey });
  t.same([viaB.status, viaB.body.error.code], [404, 'webhook_not_found']);
  t.equal((await api.req('GET', '/v1/forums/forum-a/webhooks', { token: a.moderatorKey })).body.webhooks.length, 1, 'still there');
});

t.test('webhooks: bad input is a 4xx with a code', async (t) => {
  const api = await testApi(t, { webhookAllowPrivate: true });
  const { moderatorKey } = await api.forum('bad');
  const cases: [unknown, number, string][] = [
    [{}, 400, 'missing_field'],
    [{ url: 42 }, 400, 'invalid_field'],
    [{ url: 'not a url' }, 400, 'invalid_webhook_url'],
    [{ url: '/relative/path' }, 400, 'invalid_webhook_url'],
    [{ url: 'ftp://127.0.0.1/' }, 400, 'invalid_webhook_url'],
    [{ url: 'javascript:alert(1)' }, 400, 'invalid_webhook_url'],
    [{ url: 'http://127.0.0.1/#frag' }, 400, 'invalid_webhook_url'],
    [{ url: `http://127.0.0.1/${'x'.repeat(2000)}` }, 400, 'invalid_field'],
    [{ url: 'http://127.0.0.1/', events: [] }, 400, 'invalid_webhook_events'],
    [{ url: 'http://127.0.0.1/', events: ['PostCreated', 'ForumCreated'] }, 400, 'invalid_webhook_events'],
    [{ url: 'http://127.0.0.1/', events: ['WebhookCreated'] }, 400, 'invalid_webhook_events'],
    [{ url: 'http://127.0.0.1/', events: 'PostCreated' }, 400, 'invalid_field'],
    [{ url: 'http://127.0.0.1/', secret: 'mine' }, 400, 'unknown_field'],
  ];
  for (const [body, status, code] of cases) {
    const r = await api.req('POST', '/v1/forums/bad/webhooks', { token: moderatorKey, body });
    t.same([r.status, r.body.error?.code], [status, code], JSON.stringify(body).slice(0, 80));
  }
  t.same((await api.req('POST', '/v1/forums/nope/webhooks', { token: ADMIN_TOKEN, body: { url: 'http://127.0.0.1/' } })).body.error.code, 'forum_not_found');
  t.same((await api.req('DELETE', '/v1/forums/bad/webhooks/abc', { token: moderatorKey })).body.error.code, 'invalid_id');
  t.same((await api.req('GET', '/v1/forums/bad/webhooks/999/deliveries', { token: moderatorKey })).body.error.code, 'webhook_not_found');
  const hook = await api.req('POST', '/v1/forums/bad/webhooks', { token: moderatorKey, body: { url: 'http://127.0.0.1/' } });
  const id = hook.body.webhook.id;
  for (const limit of ['0', '101', 'x']) {
    const r = await api.req('GET', `/v1/forums/bad/webhooks/${id}/deliveries?limit=${limit}`, { token: moderatorKey });
    t.equal(r.status, 400, `limit=${limit}`);
  }
  t.same((await api.req('GET', `/v1/forums/bad/webhooks/${id}/deliveries`, { token: moderatorKey })).body, { deliveries: [] });
  const replays: [unknown, number, string][] = [
    [{}, 400, 'missing_field'],
    [{ eventId: 'x' }, 400, 'invalid_id'],
    [{ eventId: '999999' }, 404, 'event_not_found'],
  ];
  for (const [body, status, code] of replays) {
    const r = await api.req('POST', `/v1/forums/bad/webhooks/${id}/replay`, { token: moderatorKey, body });
    t.same([r.status, r.body.error?.code], [status, code], `replay ${JSON.stringify(body)}`);
  }
  // an event of another forum, or one webhooks don't deliver, is not found here
  const other = await api.forum('other');
  const thread = await api.thread('other');
  // the forum's event (forums area) and its thread's (its content shard): one database or two
  const rows = (await api.everywhere(`SELECT id, type FROM events WHERE forum_id = $1`, [other.forum.id])).sort((a, b) => (a.type < b.type ? -1 : 1));
  t.same(rows.map((r) => r.type), ['ForumCreated', 'ThreadCreated']);
  for (const r of rows) {
    const res = await api.req('POST', `/v1/forums/bad/webhooks/${id}/replay`, { token: moderatorKey, body: { eventId: r.id } });
    t.same([res.status, res.body.error?.code], [404, 'event_not_found'], `${r.type} of another forum`);
  }
  t.ok(thread.id);
  const gone = await api.req('POST', `/v1/forums/bad/webhooks/424242/replay`, { token: moderatorKey, body: { eventId: rows[1].id } });
  t.same([gone.status, gone.body.error?.code], [404, 'webhook_not_found']);
});

t.test('webhooks: receivers on loopback and private addresses are refused by default', async (t) => {
  const api = await testApi(t); // PARLEY_WEBHOOK_ALLOW_PRIVATE defaults to false
  t.equal(api.config.webhookAllowPrivate, false);
  const { moderatorKey } = await api.forum('ssrf');
  const refused = [
    'http://127.0.0.1:8080/',
    'http://localhost/',
    'http://2130706433/', // 127.0.0.1 as one number
    'http://0x7f.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:10.1.2.3]/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://10.0.0.5/',
    'http://172.16.3.4/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://[fe80::1]/',
    'http://[fd12:3456::1]/',
  ];
  for (const url of refused) {
    const r = await api.req('POST', '/v1/forums/ssrf/webhooks', { token: moderatorKey, body: { url } });
    t.same([r.status, r.body.error?.code], [422, 'webhook_url_refused'], url);
  }
  const unresolvable = await api.req('POST', '/v1/forums/ssrf/webhooks', { token: moderatorKey, body: { url: 'http://no-such-host.invalid/' } });
  t.same([unresolvable.status, unresolvable.body.error?.code], [422, 'webhook_url_refused'], 'a host that does not resolve');
  t.same((await api.req('GET', '/v1/forums/ssrf/webhooks', { token: moderatorKey })).body.webhooks, [], 'nothing was stored');
  // public addresses pass the guard (an IP literal needs no DNS here)
  const ok = await api.req('POST', '/v1/forums/ssrf/webhooks', { token: moderatorKey, body: { url: 'https://93.184.215.14/hook', events: ['PostCreated'] } });
  t.equal(ok.status, 201);
  const edge = await api.req('POST', '/v1/forums/ssrf/webhooks', { token: moderatorKey, body: { url: 'http://172.32.0.1/' } });
  t.equal(edge.status, 201, '172.32/16 is outside 172.16/12');
});
