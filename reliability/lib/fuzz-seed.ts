// Real things for the fuzzer to aim at, made up front through the public API: forums (one
// open, one pre-moderated with an origin list), threads, posts and replies with their edit tokens,
// a user and its session token, webhooks, event ids, page cursors and signed unsubscribe tokens.
// With these, generated requests reach the commands and queries, not only the validators.
import { createHash, createHmac } from 'node:crypto';
import pg from 'pg';
import { issuePasswordResets, signAccountToken, signUnsubscribe } from '@parley/data';
import { webhookEventTypes } from '@parley/domain';
import { FUZZ_ADMIN_TOKEN, FUZZ_SECRET } from './fuzz-stack.ts';
import { oidcCallbacks, oidcCodes } from './fuzz-oidc.ts';

export interface Fixtures {
  adminToken: string;
  forums: { slug: string; id: string; moderatorKey: string }[];
  threads: { id: string; identifier: string; slug: string }[];
  posts: { id: string; threadId: string; slug: string; editToken?: string; userToken?: string }[];
  users: { username: string; password: string; token: string }[];
  /** sessions of a third user, spent by the requests that end sessions (a spent one is a 401) */
  spareTokens: string[];
  /** sessions of a fourth user, spent by "log out everywhere" (which ends every session of its user at once, so not the spare user's) */
  logoutAllTokens: string[];
  /** throwaway accounts (each with a post), spent by the requests that delete an account: the seeded users stay */
  erasable: { token: string; password: string }[];
  /** accounts with a role in every forum, for the role routes (granted again and removed by the run; the seeded users hold none) */
  roleUserIds: string[];
  /** a session of the first of them, which accepts the invitations below */
  roleUserToken: string;
  /** signed links of invitations to a forum role (spent by the run: a spent one is a 400) */
  inviteTokens: string[];
  /** open invitations (each forum's, by public id), spent by the valid cancellations: a cancelled one is a 404 */
  cancellableInvites: { slug: string; id: string }[];
  /** a user the first forum's site signed in, linked by the admin to the second forum (the link routes) */
  ssoUserId: string;
  /** live: each forum's single sign-on secret (a rotation the run makes replaces it; see `observe`) */
  ssoSecrets: Record<string, string>;
  /** live: webhooks the run creates are added and deleted ones removed (see `observe` in fuzz-valid) */
  webhooks: { id: string; slug: string; madeByRun?: boolean }[];
  /** bans of each forum (slug) and of the instance (slug null), on values no fuzz actor has; `liftable` ones are spent by the valid lifts */
  bans: { id: string; slug: string | null }[];
  liftableBans: { id: string; slug: string | null }[];
  eventIds: string[];
  /** deliverable events (webhookEventTypes) by forum slug: what a valid replay asks for */
  forumEvents: Record<string, string[]>;
  cursors: { threadId: string; sort: 'oldest' | 'top'; cursor: string }[];
  unsubscribeTokens: string[];
  /** signed links of account emails (each works once): address verifications of accounts the run never resends for, and password resets of throwaway accounts */
  verifyTokens: string[];
  resetTokens: string[];
  /** signed links of a guest's personal-data requests (each works once): exports of seeded guests' comments, erasures of throwaway guests' */
  guestExportTokens: string[];
  guestErasureTokens: string[];
  origins: string[];
  /** OpenID Connect sign-ins stopped at their callback (fuzz-oidc), spent by the valid callback requests: each works once */
  oidcCallbacks: { path: string; cookie: string }[];
  /** one-time codes of redirect-mode OpenID Connect sign-ins, spent by the valid redeem requests */
  oidcCodes: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the seed reads the API's JSON answers as the API documents them
async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`seed: ${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

const CANCEL_EMAIL = 'cancel@example.com';

/** A user the first forum's site signs in (Disqus SSO), linked by the admin to the second forum. */
async function linkedSsoUser(base: string, f: Fixtures): Promise<string> {
  const [home, other] = f.forums;
  const message = Buffer.from(JSON.stringify({ id: 'fuzz-linked', username: 'Linked', email: 'linked@example.com' })).toString('base64');
  const ts = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha1', f.ssoSecrets[home.slug]).update(`${message} ${ts}`).digest('hex');
  const r = await call(base, 'POST', '/v1/sso/disqus', { forum: home.slug, remoteAuth: `${message} ${sig} ${ts}` });
  await call(base, 'PUT', `/v1/admin/users/${r.user.id}/forums/${other.slug}`, undefined, FUZZ_ADMIN_TOKEN);
  return r.user.id as string;
}

export async function seed(base: string, databaseUrl: string): Promise<Fixtures> {
  const f: Fixtures = {
    adminToken: FUZZ_ADMIN_TOKEN,
    forums: [],
    threads: [],
    posts: [],
    users: [],
    spareTokens: [],
    logoutAllTokens: [],
    erasable: [],
    roleUserIds: [],
    roleUserToken: '',
    inviteTokens: [],
    cancellableInvites: [],
    ssoUserId: '',
    ssoSecrets: {},
    webhooks: [],
    bans: [],
    liftableBans: [],
    eventIds: [],
    forumEvents: {},
    cursors: [],
    unsubscribeTokens: [],
    verifyTokens: [],
    resetTokens: [],
    guestExportTokens: [],
    guestErasureTokens: [],
    origins: ['https://allowed.example'],
    oidcCallbacks: [],
    oidcCodes: [],
  };
  const forumSpecs = [
    { slug: 'fuzz-open', name: 'Open forum', settings: { editWindowSeconds: 3600 } },
    { slug: 'fuzz-strict', name: 'Strict forum', settings: { preModeration: true, maxDepth: 2, allowedOrigins: f.origins } },
  ];
  for (const spec of forumSpecs) {
    const r = await call(base, 'POST', '/v1/forums', spec, FUZZ_ADMIN_TOKEN);
    f.forums.push({ slug: r.forum.slug, id: r.forum.id, moderatorKey: r.moderatorKey });
  }
  for (const forum of f.forums) {
    for (let i = 0; i < 3; i++) {
      const identifier = `page-${i}`;
      const r = await call(base, 'POST', `/v1/forums/${forum.slug}/threads`, { identifier, title: `Page ${i}`, url: `https://site.example/${i}` });
      f.threads.push({ id: r.thread.id, identifier, slug: forum.slug });
    }
  }
  for (let u = 0; u < 2; u++) {
    const username = `fuzzer_${u}`;
    const password = `password-${u}-long-enough`;
    const r = await call(base, 'POST', '/v1/users', { username, email: `fuzzer${u}@example.com`, password });
    f.users.push({ username, password, token: r.token });
  }
  {
    const spare = { username: 'fuzzer_spare', password: 'spare-password-long-enough' };
    f.spareTokens.push((await call(base, 'POST', '/v1/users', { ...spare, email: 'spare@example.com' })).token);
    for (let i = 0; i < 24; i++) f.spareTokens.push((await call(base, 'POST', '/v1/sessions', spare)).token);
    for (let i = 0; i < 8; i++) {
      const leaver = { username: `fuzzer_logout_${i}`, password: 'logout-password-long-enough' };
      f.logoutAllTokens.push((await call(base, 'POST', '/v1/users', { ...leaver, email: 'logout@example.com' })).token);
    }
  }
  {
    const r = await call(base, 'POST', '/v1/users', { username: 'fuzzer_role', email: 'role@example.com', password: 'role-password-long-enough' });
    f.roleUserIds.push(r.user.id);
    f.roleUserToken = r.token;
    for (const forum of f.forums) await call(base, 'PUT', `/v1/forums/${forum.slug}/roles/${r.user.id}`, { role: 'moderator' }, FUZZ_ADMIN_TOKEN);
    for (let i = 0; i < 8; i++) await call(base, 'POST', `/v1/forums/${f.forums[i % f.forums.length].slug}/invites`, { email: 'role@example.com', role: 'moderator' }, FUZZ_ADMIN_TOKEN);
  }
  // three accounts at one address: one reset request mails a link to each (a used link ends only its own account's)
  for (let i = 0; i < 3; i++) await call(base, 'POST', '/v1/users', { username: `fuzzer_reset_${i}`, email: 'reset@example.com', password: 'reset-password-long-enough' });
  await call(base, 'POST', '/v1/password-resets', { email: 'reset@example.com' });
  f.oidcCallbacks = await oidcCallbacks(base, f.forums[0].slug, 12);
  // redirect mode returns only to a listed origin: the strict forum's
  f.oidcCodes = await oidcCodes(base, f.forums[1].slug, `${f.origins[0]}/page`, 12);
  for (const forum of f.forums) f.ssoSecrets[forum.slug] = (await call(base, 'POST', `/v1/forums/${forum.slug}/sso-secret`, undefined, forum.moderatorKey)).secret;
  f.ssoUserId = await linkedSsoUser(base, f);
  for (let i = 0; i < 8; i++) await call(base, 'POST', `/v1/forums/${f.forums[i % f.forums.length].slug}/invites`, { email: CANCEL_EMAIL, role: 'moderator' }, FUZZ_ADMIN_TOKEN);
  for (const thread of f.threads) {
    const forum = f.forums.find((x) => x.slug === thread.slug)!;
    let parent: string | undefined;
    for (let i = 0; i < 4; i++) {
      // a text of its own per thread: one author's same text across threads is what the spam rules mark
      const body = { message: `seed comment ${i} on thread ${thread.id} with **markdown** and a <b>tag</b>`, ...(parent ? { parentId: parent } : {}), author: { name: `Guest ${i}`, email: `guest${i}@example.com` }, notify: i % 2 === 0 };
      // in the pre-moderated forum, replies need a published parent: the moderator posts those
      const token = forum.slug === 'fuzz-strict' ? forum.moderatorKey : undefined;
      const r = await call(base, 'POST', `/v1/threads/${thread.id}/posts`, body, token);
      f.posts.push({ id: r.post.id, threadId: thread.id, slug: forum.slug, editToken: r.editToken });
      if (i < 2) parent = r.post.id;
    }
    const byUser = await call(base, 'POST', `/v1/threads/${thread.id}/posts`, { message: `from a user, on thread ${thread.id}` }, f.users[0].token);
    if (forum.slug === 'fuzz-open') {
      const throwaway = { username: `fuzzer_erasable_${f.erasable.length}`, password: 'erasable-password-long-enough' };
      const r = await call(base, 'POST', '/v1/users', { ...throwaway, email: `erasable${f.erasable.length}@example.com` });
      await call(base, 'POST', `/v1/threads/${thread.id}/posts`, { message: 'from a user who will leave' }, r.token);
      f.erasable.push({ token: r.token, password: throwaway.password });
    }
    f.posts.push({ id: byUser.post.id, threadId: thread.id, slug: forum.slug, userToken: f.users[0].token });
    const page = await call(base, 'GET', `/v1/threads/${thread.id}/posts?limit=1`);
    if (page.nextCursor) f.cursors.push({ threadId: thread.id, sort: 'oldest', cursor: page.nextCursor });
    const top = await call(base, 'GET', `/v1/threads/${thread.id}/posts?limit=2&sort=top`);
    if (top.nextCursor) f.cursors.push({ threadId: thread.id, sort: 'top', cursor: top.nextCursor });
  }
  for (const forum of f.forums) {
    for (const url of ['http://127.0.0.1:9/hook-a', 'https://127.0.0.1:9/hook-b']) {
      const r = await call(base, 'POST', `/v1/forums/${forum.slug}/webhooks`, { url }, forum.moderatorKey);
      f.webhooks.push({ id: r.webhook.id, slug: forum.slug });
    }
  }
  // bans on addresses and emails no fuzz request comes from or writes with
  for (const scope of [...f.forums.map((x) => ({ slug: x.slug as string | null, token: x.moderatorKey })), { slug: null, token: FUZZ_ADMIN_TOKEN }]) {
    const path = scope.slug === null ? '/v1/admin/bans' : `/v1/forums/${scope.slug}/bans`;
    for (const [i, body] of [{ kind: 'email', value: 'seeded@banned.example' }, { kind: 'range', value: '203.0.113.0/28', mode: 'shadow' }, { kind: 'ip', value: '203.0.113.200' }, { kind: 'ip', value: '203.0.113.201' }].entries()) {
      const r = await call(base, 'POST', path, body, scope.token);
      (i < 2 ? f.bans : f.liftableBans).push({ id: r.bans[0].id, slug: scope.slug });
    }
  }
  // a guest's personal-data links: the request's lookup runs after its answer, so the rows are awaited below
  const openThread = f.threads.find((x) => x.slug === 'fuzz-open')!;
  for (let i = 0; i < 3; i++) {
    const leaving = `leaving${i}@example.com`;
    await call(base, 'POST', `/v1/threads/${openThread.id}/posts`, { message: 'from a guest who will leave', author: { name: `Leaving ${i}`, email: leaving } });
    await call(base, 'POST', '/v1/personal-data/requests', { email: leaving, action: 'erase' });
    await call(base, 'POST', '/v1/personal-data/requests', { email: `guest${i}@example.com`, action: 'export' });
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id::text FROM events ORDER BY id LIMIT 40');
    const guestLinks = async () => (await client.query<{ id: string; kind: 'guest_export' | 'guest_erasure' }>("SELECT id, kind FROM account_tokens WHERE kind IN ('guest_export', 'guest_erasure')")).rows;
    for (const until = Date.now() + 10_000; (await guestLinks()).length < 6 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    const guest = await guestLinks();
    f.guestExportTokens = guest.filter((l) => l.kind === 'guest_export').map((l) => signAccountToken(FUZZ_SECRET, l.kind, l.id));
    f.guestErasureTokens = guest.filter((l) => l.kind === 'guest_erasure').map((l) => signAccountToken(FUZZ_SECRET, l.kind, l.id));
    f.eventIds = rows.map((r) => r.id);
    // the account events now come first in the log: a replay needs one of the webhook's forum, of a deliverable type
    const deliverable = await client.query<{ id: string; slug: string }>(
      'SELECT e.id::text, f.slug FROM events e JOIN forums f ON f.id = e.forum_id WHERE e.type = ANY($1) ORDER BY e.id LIMIT 400',
      [[...webhookEventTypes]],
    );
    for (const r of deliverable.rows) (f.forumEvents[r.slug] ??= []).push(r.id);
    const unused = `SELECT t.id, t.kind FROM account_tokens t JOIN users u ON u.id = t.user_id WHERE t.used_at IS NULL AND NOT u.username = ANY($1)`;
    // the worker issues a reset request's links, and none runs here: issue them as it would
    await client.query('BEGIN');
    await issuePasswordResets(client, 'reset@example.com', 3600);
    await client.query('COMMIT');
    const links = (await client.query<{ id: string; kind: 'verify_email' | 'password_reset' }>(unused, [f.users.map((u) => u.username)])).rows;
    f.verifyTokens = links.filter((l) => l.kind === 'verify_email').map((l) => signAccountToken(FUZZ_SECRET, l.kind, l.id));
    f.resetTokens = links.filter((l) => l.kind === 'password_reset').map((l) => signAccountToken(FUZZ_SECRET, l.kind, l.id));
    const invites = await client.query<{ id: string }>("SELECT id FROM account_tokens WHERE kind = 'forum_invite' AND used_at IS NULL AND email <> $1", [CANCEL_EMAIL]);
    f.inviteTokens = invites.rows.map((l) => signAccountToken(FUZZ_SECRET, 'forum_invite', l.id));
    const cancellable = await client.query<{ id: string; forum_id: string }>("SELECT id, data ->> 'forumId' AS forum_id FROM account_tokens WHERE kind = 'forum_invite' AND email = $1", [CANCEL_EMAIL]);
    // an invitation's public id, as the API lists it (packages/data sql/invites.ts)
    f.cancellableInvites = cancellable.rows.map((l) => ({ slug: f.forums.find((x) => x.id === l.forum_id)!.slug, id: createHash('sha256').update(l.id).digest().subarray(0, 12).toString('base64url') }));
  } finally {
    await client.end();
  }
  f.unsubscribeTokens = ['guest0@example.com', 'fuzzer1@example.com', 'someone@else.example'].map((email) => signUnsubscribe(FUZZ_SECRET, { email }));
  return f;
}
