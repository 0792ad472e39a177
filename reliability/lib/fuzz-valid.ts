// Requests that should succeed, per documented route: the real forum, thread, post and webhook
// that belong together, the credential the route needs, and well-formed values (naughty but
// storable text included). Mixed with the mutated requests of fuzz-gen, so the run reaches the
// commands, queries, SQL and rendering, not only the validators.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { webhookEventTypes } from '@parley/domain';
import { naughtyStrings } from './fuzz-blns.ts';
import type { Fixtures } from './fuzz-seed.ts';
import type { FuzzRequest } from './fuzz-gen.ts';

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const storableNaughty = naughtyStrings.filter((s) => s.isWellFormed() && !s.includes('\u0000') && s.trim().length > 0);
/** text Postgres can store: prose, naughty strings, any graphemes */
const words = fc.oneof(fc.lorem({ maxCount: 12 }), pick(storableNaughty), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => s.trim().length > 0 && !s.includes('\u0000')));
const short = (n: number) => words.map((s) => [...s].slice(0, n).join('')).filter((s) => s.trim().length > 0);

type Build = (headers: Record<string, string>, path: string, body?: unknown) => FuzzRequest;

export function validRequests(f: Fixtures): Record<string, fc.Arbitrary<FuzzRequest>> {
  const forum = pick(f.forums);
  const thread = pick(f.threads);
  const post = pick(f.posts);
  const modKey = (slug: string) => f.forums.find((x) => x.slug === slug)!.moderatorKey;
  const json = { 'content-type': 'application/json' };
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const req = (route: string, method: string): Build => (headers, path, body) => ({
    route: `${route} (valid)`,
    method,
    path,
    headers: body === undefined ? headers : { ...json, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const originFor = (slug: string) => (slug === 'fuzz-strict' ? fc.oneof(fc.constant({ origin: f.origins[0] }), fc.constant({})) : fc.constant({}));
  const guest = fc.record({ name: short(64), email: fc.emailAddress() });
  const ssoUser = fc.record({ id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), fc.nat().map(String)), username: short(64), email: fc.emailAddress() });
  const settings = fc.record(
    { editWindowSeconds: fc.integer({ min: 60, max: 7200 }), preModeration: fc.boolean(), maxDepth: fc.integer({ min: 1, max: 20 }), allowedOrigins: fc.subarray([...f.origins, 'https://other.example']), guestEmailRequired: fc.boolean() },
    { requiredKeys: [] },
  );
  // f.webhooks changes during the run (observe, below): read it when a request is drawn
  const seededHook = f.webhooks[0];
  const liveHook = fc.nat().map((i) => f.webhooks[i % f.webhooks.length] ?? seededHook);
  const spareHook = fc.nat().map((i) => {
    const spare = f.webhooks.filter((h) => h.madeByRun);
    return spare.length ? spare[i % spare.length] : { id: '999999', slug: seededHook.slug };
  });

  return {
    'POST /v1/forums': fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,30}$/), short(100), fc.option(settings, { nil: undefined })).map(([slug, name, s]) =>
      req('POST /v1/forums', 'POST')(bearer(f.adminToken), '/v1/forums', { slug, name, ...(s ? { settings: s } : {}) })),
    'GET /v1/forums/{slug}': forum.map((x) => req('GET /v1/forums/{slug}', 'GET')({}, `/v1/forums/${x.slug}`)),
    'PATCH /v1/forums/{slug}': fc.tuple(forum, fc.option(short(100), { nil: undefined }), settings).map(([x, name, s]) =>
      // keep the seeded forums' shape: the open one stays open with a long edit window, the strict one strict
      req('PATCH /v1/forums/{slug}', 'PATCH')(bearer(x.moderatorKey), `/v1/forums/${x.slug}`, { ...(name ? { name } : {}), settings: { ...s, editWindowSeconds: 7200, preModeration: x.slug === 'fuzz-strict', allowedOrigins: x.slug === 'fuzz-strict' ? f.origins : [] } })),
    'POST /v1/forums/{slug}/threads': fc.tuple(forum, fc.oneof(pick(f.threads.map((t) => t.identifier)), short(200)), fc.option(short(300), { nil: undefined }), fc.option(fc.webPath().map((p) => `https://site.example${p}`), { nil: undefined })).chain(([x, identifier, title, url]) =>
      originFor(x.slug).map((o) => req('POST /v1/forums/{slug}/threads', 'POST')(o, `/v1/forums/${x.slug}/threads`, { identifier, ...(title ? { title } : {}), ...(url ? { url } : {}) }))),
    'POST /v1/counts': fc.tuple(forum, fc.array(fc.oneof(pick(f.threads.map((t) => t.identifier)), short(200)), { maxLength: 30 })).map(([x, identifiers]) =>
      req('POST /v1/counts', 'POST')({}, '/v1/counts', { forum: x.slug, identifiers })),
    'GET /v1/threads/{threadId}': fc.tuple(thread, fc.boolean()).map(([t, mod]) => req('GET /v1/threads/{threadId}', 'GET')(mod ? bearer(modKey(t.slug)) : {}, `/v1/threads/${t.id}`)),
    'GET /v1/threads/{threadId}/posts': fc.tuple(thread, pick(['oldest', 'newest', 'top'] as const), fc.integer({ min: 1, max: 100 }), fc.boolean(), fc.boolean()).map(([t, sort, limit, mod, useCursor]) => {
      const c = useCursor ? f.cursors.find((x) => x.threadId === t.id && x.sort === sort) : undefined;
      return req('GET /v1/threads/{threadId}/posts', 'GET')(mod ? bearer(modKey(t.slug)) : {}, `/v1/threads/${t.id}/posts?sort=${sort}&limit=${limit}${c ? `&cursor=${c.cursor}` : ''}`);
    }),
    'POST /v1/threads/{threadId}/posts': fc.tuple(thread, words, guest, fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.boolean()).chain(([t, message, author, asUser, replyTo, notify]) =>
      originFor(t.slug).map((o) => {
        const parents = f.posts.filter((p) => p.threadId === t.id);
        const parentId = replyTo > 0 && parents.length ? parents[replyTo % parents.length].id : undefined;
        const strict = t.slug === 'fuzz-strict';
        const headers = { ...o, ...(asUser ? bearer(f.users[1].token) : strict && parentId ? bearer(modKey(t.slug)) : {}) };
        // half of them with the widget's facts for the spam checks, as a person's (seconds after the load, no honeypot)
        const client = notify ? { client: { loadedMs: 4000 + replyTo * 1000, hp: '' } } : {};
        return req('POST /v1/threads/{threadId}/posts', 'POST')(headers, `/v1/threads/${t.id}/posts`, { message, ...(asUser ? {} : { author }), ...(parentId ? { parentId } : {}), notify, ...client });
      })),
    'GET /v1/threads/{threadId}/events': fc.tuple(thread, fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 1000 }), fc.boolean()).map(([t, after, limit, mod]) =>
      req('GET /v1/threads/{threadId}/events', 'GET')(mod ? bearer(modKey(t.slug)) : {}, `/v1/threads/${t.id}/events?after=${after}&limit=${limit}`)),
    'GET /v1/posts/{postId}/source': pick(f.posts.filter((p) => p.editToken || p.userToken)).map((p) =>
      req('GET /v1/posts/{postId}/source', 'GET')(bearer((p.editToken ?? p.userToken)!), `/v1/posts/${p.id}/source`)),
    'PATCH /v1/posts/{postId}': fc.tuple(pick(f.posts.filter((p) => p.editToken || p.userToken)), words).map(([p, message]) =>
      req('PATCH /v1/posts/{postId}', 'PATCH')(bearer((p.editToken ?? p.userToken)!), `/v1/posts/${p.id}`, { message })),
    'POST /v1/posts/{postId}/{action}': fc.tuple(post, pick(['approve', 'spam', 'delete', 'restore', 'approve', 'restore'])).map(([p, action]) =>
      req('POST /v1/posts/{postId}/{action}', 'POST')(bearer(modKey(p.slug)), `/v1/posts/${p.id}/${action}`)),
    'PUT /v1/posts/{postId}/vote': fc.tuple(post, pick([1, -1, 0]), fc.oneof(pick(['fuzz-voter-key-0000000001', 'fuzz-voter-key-0000000002']).map((k) => ({ 'x-parley-voter': k })), fc.constant(bearer(f.users[0].token)))).map(([p, value, who]) =>
      req('PUT /v1/posts/{postId}/vote', 'PUT')(who, `/v1/posts/${p.id}/vote`, { value })),
    'POST /v1/posts/{postId}/flags': fc.tuple(post, pick(['spam', 'abuse', 'off_topic', 'personal_info', 'other']), fc.option(short(500), { nil: undefined }), fc.oneof(pick(['fuzz-voter-key-0000000001', 'fuzz-voter-key-0000000002']).map((k) => ({ 'x-parley-voter': k })), fc.constant(bearer(f.users[0].token))))
      .map(([p, reason, note, who]) => req('POST /v1/posts/{postId}/flags', 'POST')(who, `/v1/posts/${p.id}/flags`, { reason, ...(note === undefined ? {} : { note }) })),
    'GET /v1/posts/{postId}/flags': post.map((p) => req('GET /v1/posts/{postId}/flags', 'GET')(bearer(modKey(p.slug)), `/v1/posts/${p.id}/flags`)),
    'POST /v1/users': fc.tuple(fc.stringMatching(/^[A-Za-z0-9_-]{2,32}$/), fc.emailAddress(), fc.string({ minLength: 8, maxLength: 40 })).map(([username, email, password]) =>
      req('POST /v1/users', 'POST')({}, '/v1/users', { username, email, password })),
    'POST /v1/sessions': pick(f.users).map((u) => req('POST /v1/sessions', 'POST')({}, '/v1/sessions', { username: u.username, password: u.password })),
    'GET /v1/sessions': pick(f.users).map((u) => req('GET /v1/sessions', 'GET')(bearer(u.token), '/v1/sessions')),
    // the spare sessions (fuzz-seed): ending one must not log the seeded users out
    'DELETE /v1/sessions/{id}': fc.constant(null).map(() => req('DELETE /v1/sessions/{id}', 'DELETE')(bearer(f.spareTokens.pop() ?? 'put_spent'), '/v1/sessions/current')),
    'DELETE /v1/sessions': fc.constant(null).map(() => req('DELETE /v1/sessions', 'DELETE')(bearer(f.logoutAllTokens.pop() ?? 'put_spent'), '/v1/sessions')),
    'GET /v1/users/me/export': pick(f.users).map((u) => req('GET /v1/users/me/export', 'GET')(bearer(u.token), '/v1/users/me/export')),
    // throwaway accounts (fuzz-seed): deleting one must not delete the seeded users
    'DELETE /v1/users/me': fc.constant(null).map(() => {
      const u = f.erasable.pop();
      return req('DELETE /v1/users/me', 'DELETE')(bearer(u?.token ?? 'put_spent'), '/v1/users/me', { password: u?.password ?? 'spent-password' });
    }),
    'GET /v1/users/me': pick(f.users).map((u) => req('GET /v1/users/me', 'GET')(bearer(u.token), '/v1/users/me')),
    'PATCH /v1/users/me': fc.tuple(pick(f.users), fc.record({ displayName: fc.option(short(64), { nil: null }), avatarUrl: fc.option(fc.webUrl(), { nil: null }) }, { requiredKeys: [] }))
      .map(([u, body]) => req('PATCH /v1/users/me', 'PATCH')(bearer(u.token), '/v1/users/me', body)),
    'POST /v1/users/me/verification-email': pick(f.users).map((u) => req('POST /v1/users/me/verification-email', 'POST')(bearer(u.token), '/v1/users/me/verification-email')),
    'POST /v1/email-verifications': fc.constant(null).map(() => req('POST /v1/email-verifications', 'POST')({}, '/v1/email-verifications', { token: f.verifyTokens.pop() ?? 'spent.link' })),
    'POST /v1/password-resets': fc.emailAddress().map((email) => req('POST /v1/password-resets', 'POST')({}, '/v1/password-resets', { email })),
    'POST /v1/password-resets/confirm': fc.string({ minLength: 8, maxLength: 40 }).map((password) =>
      req('POST /v1/password-resets/confirm', 'POST')({}, '/v1/password-resets/confirm', { token: f.resetTokens.pop() ?? 'spent.link', password })),
    'POST /v1/personal-data/requests': fc.tuple(fc.oneof(pick(['guest0@example.com', 'guest3@example.com', 'nobody@example.com']), fc.emailAddress()), pick(['export', 'erase'] as const)).map(([email, action]) =>
      req('POST /v1/personal-data/requests', 'POST')({}, '/v1/personal-data/requests', { email, action })),
    // the seeded links (fuzz-seed) work once each: a spent one is a 400
    'POST /v1/personal-data/export': fc.constant(null).map(() => req('POST /v1/personal-data/export', 'POST')({}, '/v1/personal-data/export', { token: f.guestExportTokens.pop() ?? 'spent.link' })),
    'POST /v1/personal-data/erase': fc.constant(null).map(() => req('POST /v1/personal-data/erase', 'POST')({}, '/v1/personal-data/erase', { token: f.guestErasureTokens.pop() ?? 'spent.link' })),
    'POST /v1/forums/{slug}/sso-secret': forum.map((x) => req('POST /v1/forums/{slug}/sso-secret', 'POST')(bearer(x.moderatorKey), `/v1/forums/${x.slug}/sso-secret`)),
    'POST /v1/sso/disqus': fc.tuple(forum, ssoUser, fc.nat({ max: 9 })).map(([x, u, n]) => {
      const message = Buffer.from(JSON.stringify(n === 0 ? {} : u)).toString('base64');
      const ts = Math.floor(Date.now() / 1000);
      const sig = createHmac('sha1', f.ssoSecrets[x.slug]).update(`${message} ${ts}`).digest('hex');
      return req('POST /v1/sso/disqus', 'POST')({}, '/v1/sso/disqus', { forum: x.slug, remoteAuth: `${message} ${sig} ${ts}` });
    }),
    'POST /v1/sso/jwt': fc.tuple(forum, ssoUser).map(([x, u]) => {
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: u.id, name: u.username, email: u.email, aud: x.slug, exp: Math.floor(Date.now() / 1000) + 300 })}`;
      const token = `${body}.${createHmac('sha256', f.ssoSecrets[x.slug]).update(body).digest('base64url')}`;
      return req('POST /v1/sso/jwt', 'POST')({}, '/v1/sso/jwt', { forum: x.slug, token });
    }),
    'GET /v1/forums/{slug}/roles': forum.map((x) => req('GET /v1/forums/{slug}/roles', 'GET')(bearer(f.adminToken), `/v1/forums/${x.slug}/roles`)),
    'PUT /v1/forums/{slug}/roles/{userId}': fc.tuple(forum, pick(f.roleUserIds), pick(['moderator', 'owner'])).map(([x, userId, role]) =>
      req('PUT /v1/forums/{slug}/roles/{userId}', 'PUT')(bearer(f.adminToken), `/v1/forums/${x.slug}/roles/${userId}`, { role })),
    // the seed granted every forum a role, and the PUTs above grant them again
    'DELETE /v1/forums/{slug}/roles/{userId}': fc.tuple(forum, pick(f.roleUserIds)).map(([x, userId]) =>
      req('DELETE /v1/forums/{slug}/roles/{userId}', 'DELETE')(bearer(f.adminToken), `/v1/forums/${x.slug}/roles/${userId}`)),
    // observe (below) follows the new key, so the other requests keep using a live one
    'POST /v1/forums/{slug}/moderator-key': forum.map((x) => req('POST /v1/forums/{slug}/moderator-key', 'POST')(bearer(f.adminToken), `/v1/forums/${x.slug}/moderator-key`)),
    // a backtest of proposed rules over the forum's past comments (one per forum at a time: a concurrent one is a 409)
    'POST /v1/forums/{slug}/rules/backtest': fc.tuple(forum, fc.integer({ min: 0, max: 10 }), fc.stringMatching(/^[a-z]{3,12}$/)).map(([x, maxLinks, word]) =>
      req('POST /v1/forums/{slug}/rules/backtest', 'POST')(bearer(modKey(x.slug)), `/v1/forums/${x.slug}/rules/backtest`, {
        rules: { links: { maxLinks }, blocklist: { entries: [{ kind: 'word', term: word, action: 'spam' }] } },
      })),
    // the moderation queue, its bulk actions (ids of the forum's posts, and one that is no post) and its log
    'GET /v1/forums/{slug}/queue': fc.tuple(forum, pick(['pending', 'spam', 'shadowed', 'flagged']), fc.option(pick(['blocklisted_word', 'too_many_links']), { nil: undefined }), fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined })).map(([x, status, reason, limit]) =>
      req('GET /v1/forums/{slug}/queue', 'GET')(bearer(modKey(x.slug)), `/v1/forums/${x.slug}/queue?status=${status}${reason ? `&reason=${reason}` : ''}${limit ? `&limit=${limit}` : ''}`)),
    'POST /v1/forums/{slug}/queue/actions': forum.chain((x) => fc.tuple(fc.subarray(f.posts.filter((p) => p.slug === x.slug).map((p) => p.id).concat('999999'), { minLength: 1 }), pick(['approve', 'spam', 'delete', 'restore', 'hold', 'approve', 'restore'])).map(([postIds, action]) =>
      req('POST /v1/forums/{slug}/queue/actions', 'POST')(bearer(modKey(x.slug)), `/v1/forums/${x.slug}/queue/actions`, { action, postIds }))),
    'GET /v1/forums/{slug}/moderation-log': fc.tuple(forum, fc.option(pick(['PostApproved', 'PostMarkedSpam', 'ForumUpdated']), { nil: undefined })).map(([x, type]) =>
      req('GET /v1/forums/{slug}/moderation-log', 'GET')(bearer(modKey(x.slug)), `/v1/forums/${x.slug}/moderation-log${type ? `?type=${type}` : ''}`)),
    // OpenID Connect: the provider list; a start (302 to the provider); a sign-in's callback, each
    // made up front (fuzz-oidc) and good once (a spent or missing one is a 400)
    'GET /v1/oidc/providers': fc.constant(req('GET /v1/oidc/providers', 'GET')({}, '/v1/oidc/providers')),
    'GET /v1/oidc/{provider}/start': forum.map((x) => req('GET /v1/oidc/{provider}/start', 'GET')({}, `/v1/oidc/fuzz/start?forum=${x.slug}&mode=popup`)),
    'GET /v1/oidc/{provider}/callback': fc.constant(null).map(() => {
      const c = f.oidcCallbacks.pop();
      return req('GET /v1/oidc/{provider}/callback', 'GET')(c ? { cookie: c.cookie } : {}, c?.path ?? '/v1/oidc/fuzz/callback?state=spent&code=spent');
    }),
    'POST /v1/forums/{slug}/invites': fc.tuple(forum, fc.emailAddress(), pick(['moderator', 'owner'])).map(([x, email, role]) =>
      req('POST /v1/forums/{slug}/invites', 'POST')(bearer(f.adminToken), `/v1/forums/${x.slug}/invites`, { email, role })),
    'GET /v1/forums/{slug}/invites': forum.map((x) => req('GET /v1/forums/{slug}/invites', 'GET')(bearer(f.adminToken), `/v1/forums/${x.slug}/invites`)),
    'DELETE /v1/forums/{slug}/invites/{id}': fc.constant(null).map(() => {
      const i = f.cancellableInvites.pop() ?? { slug: f.forums[0].slug, id: 'AAAAAAAAAAAAAAAA' };
      return req('DELETE /v1/forums/{slug}/invites/{id}', 'DELETE')(bearer(f.adminToken), `/v1/forums/${i.slug}/invites/${i.id}`);
    }),
    // the seed's SSO user belongs to the first forum and is linked to the second (linking again changes nothing)
    'GET /v1/admin/users/{userId}/forums': fc.constant(null).map(() => req('GET /v1/admin/users/{userId}/forums', 'GET')(bearer(f.adminToken), `/v1/admin/users/${f.ssoUserId}/forums`)),
    'PUT /v1/admin/users/{userId}/forums/{slug}': fc.constant(null).map(() =>
      req('PUT /v1/admin/users/{userId}/forums/{slug}', 'PUT')(bearer(f.adminToken), `/v1/admin/users/${f.ssoUserId}/forums/${f.forums[1].slug}`)),
    'DELETE /v1/admin/users/{userId}/forums/{slug}': fc.constant(null).map(() =>
      req('DELETE /v1/admin/users/{userId}/forums/{slug}', 'DELETE')(bearer(f.adminToken), `/v1/admin/users/${f.ssoUserId}/forums/${f.forums[1].slug}`)),
    'POST /v1/forum-invites/accept': fc.constant(null).map(() =>
      req('POST /v1/forum-invites/accept', 'POST')(bearer(f.roleUserToken), '/v1/forum-invites/accept', { token: f.inviteTokens.pop() ?? 'spent.link' })),
    // a forum's own provider: a loopback issuer passes only because the fuzz run allows private addresses (PARLEY_OIDC_ALLOW_HTTP)
    'PUT /v1/forums/{slug}/oidc': fc.tuple(forum, fc.option(short(64), { nil: undefined })).map(([x, name]) =>
      req('PUT /v1/forums/{slug}/oidc', 'PUT')(bearer(x.moderatorKey), `/v1/forums/${x.slug}/oidc`, { issuer: 'https://127.0.0.1:9', clientId: 'fuzz-client', clientSecret: 'fuzz-client-secret', ...(name ? { name } : {}) })),
    'DELETE /v1/forums/{slug}/oidc': forum.map((x) => req('DELETE /v1/forums/{slug}/oidc', 'DELETE')(bearer(x.moderatorKey), `/v1/forums/${x.slug}/oidc`)),
    'POST /v1/oidc/redeem': fc.constant(null).map(() => req('POST /v1/oidc/redeem', 'POST')({}, '/v1/oidc/redeem', { code: f.oidcCodes.pop() ?? 'spent' })),
    'GET /v1/unsubscribe': pick(f.unsubscribeTokens).map((token) => req('GET /v1/unsubscribe', 'GET')({}, `/v1/unsubscribe?token=${token}`)),
    // bans on values no fuzz actor has (TEST-NET-3 addresses, a reserved domain): the other valid requests go on working
    ...banRequests(f, req, forum, bearer, short),
    'POST /v1/forums/{slug}/webhooks': fc.tuple(forum, fc.integer({ min: 1, max: 65535 }), fc.webPath(), fc.option(fc.subarray([...webhookEventTypes], { minLength: 1 }), { nil: undefined })).map(([x, port, path, events]) =>
      req('POST /v1/forums/{slug}/webhooks', 'POST')(bearer(x.moderatorKey), `/v1/forums/${x.slug}/webhooks`, { url: `http://127.0.0.1:${port}${path}`, ...(events ? { events } : {}) })),
    'GET /v1/forums/{slug}/webhooks': forum.map((x) => req('GET /v1/forums/{slug}/webhooks', 'GET')(bearer(x.moderatorKey), `/v1/forums/${x.slug}/webhooks`)),
    'DELETE /v1/forums/{slug}/webhooks/{id}': spareHook.map((h) =>
      // only webhooks the run made itself: the seeded ones stay for the other webhook routes
      req('DELETE /v1/forums/{slug}/webhooks/{id}', 'DELETE')(bearer(modKey(h.slug)), `/v1/forums/${h.slug}/webhooks/${h.id}`)),
    'GET /v1/forums/{slug}/webhooks/{id}/deliveries': fc.tuple(liveHook, fc.integer({ min: 1, max: 100 })).map(([h, limit]) =>
      req('GET /v1/forums/{slug}/webhooks/{id}/deliveries', 'GET')(bearer(modKey(h.slug)), `/v1/forums/${h.slug}/webhooks/${h.id}/deliveries?limit=${limit}`)),
    'POST /v1/forums/{slug}/webhooks/{id}/replay': fc.tuple(liveHook, fc.nat()).map(([h, i]) => {
      const events = f.forumEvents[h.slug] ?? f.eventIds;
      return req('POST /v1/forums/{slug}/webhooks/{id}/replay', 'POST')(bearer(modKey(h.slug)), `/v1/forums/${h.slug}/webhooks/${h.id}/replay`, { eventId: events[i % events.length] });
    }),
  };
}

/**
 * Keeps `f.webhooks` true to the server: a webhook the run creates joins it, one it deletes
 * leaves it, so the valid webhook requests keep finding webhooks that exist.
 */
export function observe(f: Fixtures): (r: FuzzRequest, status: number, body: string) => void {
  return (r, status, body) => {
    // a key rotation the run made: the valid requests use the forum's key of now
    const rekeyed = /^\/v1\/forums\/([a-z0-9-]+)\/moderator-key$/.exec(r.path);
    const rekeyedForum = rekeyed && status === 201 ? f.forums.find((x) => x.slug === rekeyed[1]) : undefined;
    if (rekeyedForum) {
      try {
        rekeyedForum.moderatorKey = (JSON.parse(body) as { moderatorKey: string }).moderatorKey;
      } catch {
        // not the answer we expected: nothing to learn
      }
      return;
    }
    // a rotation the run made: the valid SSO requests sign with the forum's secret of now
    const rotated = /^\/v1\/forums\/([a-z0-9-]+)\/sso-secret$/.exec(r.path);
    if (rotated && status === 201 && rotated[1] in f.ssoSecrets) {
      try {
        f.ssoSecrets[rotated[1]] = (JSON.parse(body) as { secret: string }).secret;
      } catch {
        // not the answer we expected: nothing to learn
      }
      return;
    }
    const m = /^\/v1\/forums\/([a-z0-9-]+)\/webhooks(?:\/([0-9]+))?$/.exec(r.path.split('?')[0]);
    if (!m) return;
    if (r.method === 'POST' && status === 201) {
      try {
        const id = (JSON.parse(body) as { webhook?: { id?: string } }).webhook?.id;
        if (id) f.webhooks.push({ id, slug: m[1], madeByRun: true });
      } catch {
        // not the answer we expected: nothing to learn
      }
    } else if (r.method === 'DELETE' && status === 204 && m[2]) {
      const i = f.webhooks.findIndex((h) => h.id === m[2]);
      if (i >= 0 && f.webhooks.length > 1) f.webhooks.splice(i, 1);
    }
  };
}

/** The ban routes' valid requests (routes/bans.ts). */
function banRequests(
  f: Fixtures,
  req: (route: string, method: string) => Build,
  forum: fc.Arbitrary<Fixtures['forums'][number]>,
  bearer: (t: string) => Record<string, string>,
  short: (n: number) => fc.Arbitrary<string>,
): Record<string, fc.Arbitrary<FuzzRequest>> {
  const target = fc.oneof(
    fc.nat({ max: 255 }).map((n) => ({ kind: 'ip', value: `203.0.113.${n}` })),
    fc.integer({ min: 24, max: 32 }).map((bits) => ({ kind: 'range', value: `203.0.113.0/${bits}` })),
    fc.stringMatching(/^[a-z0-9]{1,20}$/).map((local) => ({ kind: 'email', value: `${local}@banned.example` })),
  );
  const terms = fc.record(
    { mode: fc.constantFrom('ban', 'shadow'), reason: short(200), durationSeconds: fc.integer({ min: 1, max: 10 * 86400 }), retroactive: fc.boolean() },
    { requiredKeys: [] },
  );
  const banOf = (slug: string | null) => (slug === null ? f.adminToken : f.forums.find((x) => x.slug === slug)!.moderatorKey);
  const path = (b: { id: string; slug: string | null }) => (b.slug === null ? `/v1/admin/bans/${b.id}` : `/v1/forums/${b.slug}/bans/${b.id}`);
  const route = (b: { slug: string | null }, m: string) => (b.slug === null ? `${m} /v1/admin/bans/{id}` : `${m} /v1/forums/{slug}/bans/{id}`);
  const seeded = fc.constantFrom(...f.bans);
  const list = fc.record({ status: fc.constantFrom('active', 'all'), limit: fc.integer({ min: 1, max: 100 }) }, { requiredKeys: [] })
    .map((q) => new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString());
  return {
    'POST /v1/forums/{slug}/bans': fc.tuple(forum, target, terms).map(([x, t, s]) =>
      req('POST /v1/forums/{slug}/bans', 'POST')(bearer(x.moderatorKey), `/v1/forums/${x.slug}/bans`, { ...t, ...s })),
    'GET /v1/forums/{slug}/bans': fc.tuple(forum, list).map(([x, q]) => req('GET /v1/forums/{slug}/bans', 'GET')(bearer(x.moderatorKey), `/v1/forums/${x.slug}/bans?${q}`)),
    'GET /v1/forums/{slug}/bans/{id}': seeded.filter((b) => b.slug !== null).map((b) => req(route(b, 'GET'), 'GET')(bearer(banOf(b.slug)), path(b))),
    'DELETE /v1/forums/{slug}/bans/{id}': fc.constant(null).map(() => {
      const b = f.liftableBans.find((x) => x.slug !== null) ?? f.bans.find((x) => x.slug !== null)!;
      f.liftableBans.splice(f.liftableBans.indexOf(b), f.liftableBans.includes(b) ? 1 : 0);
      return req(route(b, 'DELETE'), 'DELETE')(bearer(banOf(b.slug)), path(b));
    }),
    'POST /v1/admin/bans': fc.tuple(target, terms).map(([t, s]) => req('POST /v1/admin/bans', 'POST')(bearer(f.adminToken), '/v1/admin/bans', { ...t, ...s })),
    'GET /v1/admin/bans': list.map((q) => req('GET /v1/admin/bans', 'GET')(bearer(f.adminToken), `/v1/admin/bans?${q}`)),
    'GET /v1/admin/bans/{id}': seeded.filter((b) => b.slug === null).map((b) => req(route(b, 'GET'), 'GET')(bearer(f.adminToken), path(b))),
    'DELETE /v1/admin/bans/{id}': fc.constant(null).map(() => {
      const b = f.liftableBans.find((x) => x.slug === null) ?? f.bans.find((x) => x.slug === null)!;
      f.liftableBans.splice(f.liftableBans.indexOf(b), f.liftableBans.includes(b) ? 1 : 0);
      return req(route(b, 'DELETE'), 'DELETE')(bearer(f.adminToken), path(b));
    }),
  };
}
