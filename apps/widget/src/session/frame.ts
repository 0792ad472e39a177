// The session frame's entry (session.js, in /widget/session.html on the Parley origin). It holds
// the reader's session token in its own storage, draws the account bar (account.ts), and does a
// fixed list of operations (protocol.ts) for the widget on the page that framed it: only that
// page's origin, given in the URL and enforced by the frame's CSP (frame-ancestors), is listened
// to and answered. The token is sent to the API only, never posted out. See README.md.
import { ApiError, makeApi } from '../api.ts';
import { on } from '../dom.ts';
import { strings } from '../i18n.ts';
import { accountBar } from './account.ts';
import { operations, type Call, type Operation, type Reader, type Told } from './protocol.ts';
import { sessionStore, type Session } from './store.ts';

const params = new URLSearchParams(location.search);
const forum = params.get('forum') ?? '';
const origin = params.get('origin') ?? '';
const t = strings(params.get('lang') || navigator.language || 'en');
document.documentElement.lang = t.lang;
document.documentElement.dataset.theme = params.get('theme') === 'dark' ? 'dark' : 'light';

// The server lets only `origin` frame this page; where the browser names the parent, it must agree.
const ancestors = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
const trusted = window.parent !== window && /^https?:\/\/[^/]+$/.test(origin) && (!ancestors?.length || ancestors[0] === origin);

const api = makeApi(location.origin);
const store = sessionStore(forum);
let session = store.get();

const tell = (m: Told) => trusted && window.parent.postMessage(m, origin);
const reader = (): Reader | null => session?.user ?? null;
const wording = (e: unknown) => (e instanceof ApiError ? (t.errors[e.code] ?? e.message) : t.errors.other);
const bearer = (s: Session) => ({ authorization: `Bearer ${s.token}` });
function auth(): Record<string, string> {
  if (!session) throw new ApiError('unauthorized', t.errors.unauthorized);
  return bearer(session);
}

interface Answer {
  user: Reader | null;
  token: string | null;
}
/** only the public fields of the API's user view travel to the page */
const publicUser = (u: Reader): Reader => ({ id: u.id, username: u.username, displayName: u.displayName, avatarUrl: u.avatarUrl ?? null });

function become(s: Session | undefined): void {
  session = s;
  store.set(s);
  bar.show(reader());
  tell({ parley: 'user', user: reader() });
}

/** Starts a new session, ending the one it replaces (another user, or the same signed in again). */
async function signedIn(a: Answer, sso?: string): Promise<Reader | null> {
  const old = session;
  become(a.user && a.token ? { token: a.token, user: publicUser(a.user), ...(sso ? { sso } : {}) } : undefined);
  if (old) await api('DELETE', '/v1/sessions/current', undefined, bearer(old)).catch(() => {});
  return reader();
}

const signOut = () => signedIn({ user: null, token: null });

/**
 * Single sign-on from the host page, without a click: the site's remote_auth_s3 value (Disqus) or
 * its JWT. The same payload as last time keeps the session it made; the signed empty object
 * (`e30=`) signs the reader out; another user replaces the session.
 */
async function sso(a: Record<string, unknown>): Promise<Reader | null> {
  const jwt = typeof a.jwt === 'string' ? a.jwt : undefined;
  const remoteAuth = typeof a.remoteAuth === 'string' ? a.remoteAuth.trim() : undefined;
  if (!jwt && !remoteAuth) throw new ApiError('invalid_sso', t.errors.other);
  const key = jwt ? `jwt:${jwt}` : `disqus:${remoteAuth!.split(' ')[0]}`;
  if (session?.sso === key) return reader();
  if (key === 'disqus:e30=' && !session) return null;
  const answer = jwt ? await api<Answer>('POST', '/v1/sso/jwt', { forum, token: jwt }) : await api<Answer>('POST', '/v1/sso/disqus', { forum, remoteAuth });
  return signedIn(answer, key);
}

const id = (v: unknown): string => {
  if (typeof v !== 'string' || !/^[1-9][0-9]{0,18}$/.test(v)) throw new ApiError('invalid_id', t.errors.other);
  return v;
};
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** What the widget reports for the spam checks (the API's CreatePostBody.client); anything else is dropped. */
const clientFacts = (v: unknown): { loadedMs?: number; hp?: string } => {
  const c = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  const loadedMs = c.loadedMs;
  return { ...(Number.isInteger(loadedMs) && (loadedMs as number) >= 0 ? { loadedMs: Math.min(loadedMs as number, 2147483647) } : {}), ...(typeof c.hp === 'string' ? { hp: c.hp.slice(0, 1000) } : {}) };
};

/** A page of comments as the reader sees it: their own shadowed ones too (a shadow ban they must not notice). */
function pageQuery(a: Record<string, unknown>): string {
  const sort = a.sort === 'newest' || a.sort === 'top' ? a.sort : 'oldest';
  const limit = Number.isInteger(a.limit) && (a.limit as number) >= 1 && (a.limit as number) <= 100 ? (a.limit as number) : 50;
  const cursor = typeof a.cursor === 'string' && a.cursor.length <= 400 ? `&cursor=${encodeURIComponent(a.cursor)}` : '';
  return `sort=${sort}&limit=${limit}${cursor}`;
}

const ops: Record<Operation, (a: Record<string, unknown>) => Promise<unknown>> = {
  me: async () => reader(),
  post: (a) =>
    api('POST', `/v1/threads/${id(a.threadId)}/posts`, { message: text(a.message), notify: a.notify === true, ...(a.parentId ? { parentId: id(a.parentId) } : {}), client: clientFacts(a.client) }, auth()),
  vote: (a) => api('PUT', `/v1/posts/${id(a.postId)}/vote`, { value: a.value }, auth()),
  flag: (a) => api('POST', `/v1/posts/${id(a.postId)}/flags`, { reason: a.reason }, auth()),
  edit: (a) => api('PATCH', `/v1/posts/${id(a.postId)}`, { message: text(a.message) }, auth()),
  // the reader's own comment as they wrote it, for the editor
  source: (a) => api('GET', `/v1/posts/${id(a.postId)}/source`, undefined, auth()),
  delete: (a) => api('POST', `/v1/posts/${id(a.postId)}/delete`, undefined, auth()),
  sso,
  signOut,
  page: (a) => api('GET', `/v1/threads/${id(a.threadId)}/posts?${pageQuery(a)}`, undefined, auth()),
};

/** the site's sign-in in flight (or the last one) */
let signingIn: Promise<unknown> = Promise.resolve();

on(window, 'message', async (e: MessageEvent) => {
  // anything not from the page that framed us, on the origin we were given, is ignored
  if (!trusted || e.source !== window.parent || e.origin !== origin) return;
  const m = e.data as Call | null;
  if (!m || m.parley !== 'call' || typeof m.id !== 'number' || !(operations as readonly string[]).includes(m.op)) return;
  try {
    const args = m.args && typeof m.args === 'object' ? m.args : {};
    // a sign-in by the site may replace or end the session: what comes after it uses the outcome,
    // never the token it is about to end (a read with that token would answer 401)
    let run: Promise<unknown>;
    if (m.op === 'sso') run = signingIn = ops.sso(args);
    else run = signingIn.then(() => ops[m.op](args), () => ops[m.op](args));
    const value = await run;
    tell({ parley: 'result', id: m.id, ok: true, value });
  } catch (err) {
    // an ended or revoked session: the reader is signed out here too
    if (err instanceof ApiError && err.code === 'unauthorized' && session) become(undefined);
    tell({ parley: 'result', id: m.id, ok: false, error: { code: err instanceof ApiError ? err.code : 'other', message: wording(err) } });
  }
});

// OpenID Connect: a popup on the API's origin runs the flow; its last page posts the session to
// this window (its opener), addressed to the API's origin, so only this frame can receive it.
let providers: { id: string; name: string }[] = [];
let popup: Window | null = null;
on(window, 'message', (e: MessageEvent) => {
  if (e.origin !== location.origin || !popup || e.source !== popup) return;
  const m = e.data as { type?: string; token?: unknown; user?: Reader; message?: unknown } | null;
  if (m?.type === 'parley:session' && typeof m.token === 'string' && m.user) void signedIn({ user: m.user, token: m.token });
  else if (m?.type === 'parley:error') bar.error(typeof m.message === 'string' ? m.message : t.errors.other);
});

const bar = accountBar(document.body, {
  t,
  wording,
  providers: () => providers,
  oidc(provider) {
    const query = new URLSearchParams({ forum, mode: 'popup' });
    popup = window.open(`${location.origin}/v1/oidc/${encodeURIComponent(provider)}/start?${query}`, 'parley-oidc', 'popup,width=520,height=680');
  },
  signIn: async (username, password) => void (await signedIn(await api<Answer>('POST', '/v1/sessions', { username, password }))),
  signUp: async (username, email, password) => void (await signedIn(await api<Answer>('POST', '/v1/users', { username, email, password }))),
  signOut: async () => void (await signOut()),
});

// signed in or out in another tab (or another widget's frame on this page): follow it
on(window, 'storage', (e: StorageEvent) => {
  if (e.key !== store.key) return;
  session = store.get();
  bar.show(reader());
  tell({ parley: 'user', user: reader() });
});

new ResizeObserver(() => tell({ parley: 'size', height: Math.ceil(document.documentElement.getBoundingClientRect().height) })).observe(document.documentElement);

async function start(): Promise<void> {
  if (!trusted) return;
  const stored = session;
  await Promise.all([
    // none configured (or an older server): no buttons
    api<{ providers: { id: string; name: string }[] }>('GET', '/v1/oidc/providers').then(
      (r) => void (providers = r.providers),
      () => {},
    ),
    // a stored session may have ended elsewhere (signed out everywhere, expired), and the profile
    // may have changed (display name, avatar)
    stored &&
      api<{ user: Reader }>('GET', '/v1/users/me', undefined, bearer(stored)).then(
        (r) => session === stored && become({ ...stored, user: publicUser(r.user) }),
        (e) => e instanceof ApiError && e.code === 'unauthorized' && session === stored && become(undefined),
      ),
  ]);
  bar.show(reader());
  tell({ parley: 'ready', user: reader() });
}
void start();
