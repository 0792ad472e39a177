// A real OpenID Connect provider for a test (npm `oidc-provider`) on 127.0.0.1 and a free port:
// one confidential client that must use PKCE, accounts held in memory, and a sign-in page that
// needs no form: whoever `signInAs` names signs in (and consents) as soon as the browser reaches
// it, or `deny()` refuses the next one (access_denied). A test drives it like a browser, following
// redirects with a cookie jar (`Browser` below). Closed on teardown.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type AdapterFactory, type AdapterPayload } from 'oidc-provider';
import type { TapTest } from './db.ts';

export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  picture?: string;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** the provider's accounts by subject; change one to change what the next sign-in reports */
  accounts: Map<string, TestAccount>;
  /** the subject the next sign-in page signs in */
  signInAs(sub: string): void;
  /** the next sign-in page refuses (the reader cancels at the provider) */
  deny(): void;
  /** token requests the provider refused (invalid_grant and the like), by error code */
  refusals: string[];
  close(): Promise<void>;
}

/**
 * The provider's state (sessions, codes, grants) in a Map that lives as long as the test's
 * provider: what its built-in development adapter does, without its start-up warning.
 */
function memoryAdapter(): AdapterFactory {
  const store = new Map<string, { payload: AdapterPayload; until: number }>();
  const live = (key: string) => {
    const entry = store.get(key);
    return entry && entry.until > Date.now() ? entry.payload : undefined;
  };
  return (name) => ({
    async upsert(id, payload, expiresIn) {
      store.set(`${name}:${id}`, { payload, until: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    },
    find: async (id) => live(`${name}:${id}`),
    findByUid: async (uid) => [...store.keys()].filter((k) => k.startsWith(`${name}:`)).map(live).find((p) => p?.uid === uid),
    findByUserCode: async (code) => [...store.keys()].filter((k) => k.startsWith(`${name}:`)).map(live).find((p) => p?.userCode === code),
    async consume(id) {
      const p = live(`${name}:${id}`);
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id) {
      store.delete(`${name}:${id}`);
    },
    async revokeByGrantId(grantId) {
      for (const [k, v] of store) if (v.payload.grantId === grantId) store.delete(k);
    },
  });
}

/**
 * `redirectUris`: the client's registered redirect URIs, or 'any-loopback' for a client whose API
 * listens on a port nobody knows in advance (the fuzzer's): any http://127.0.0.1 URL is allowed.
 * `authMethod`: how the client was registered to send its secret (default client_secret_post).
 */
export async function testOidcProvider(t: Pick<TapTest, 'teardown'>, opts: { redirectUris: string[] | 'any-loopback'; authMethod?: 'client_secret_post' | 'client_secret_basic' }): Promise<TestOidcProvider> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'parley-test';
  const clientSecret = randomBytes(24).toString('base64url');
  const accounts = new Map<string, TestAccount>();
  let next: { sub: string } | 'deny' | undefined;
  const refusals: string[] = [];

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: opts.redirectUris === 'any-loopback' ? ['http://127.0.0.1/v1/oidc/callback'] : opts.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: opts.authMethod ?? 'client_secret_post',
    }],
    adapter: memoryAdapter(),
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    pkce: { required: () => true },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] as never },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username', 'picture'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      if (!accounts.has(sub)) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...accounts.get(sub) }) };
    },
    async renderError(ctx, out) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  if (opts.redirectUris === 'any-loopback') {
    // oidc-provider's documented hook for redirect URIs other than exact matches
    provider.Client.prototype.redirectUriAllowed = (uri: string) => {
      const u = URL.parse(uri);
      return u?.protocol === 'http:' && u.hostname === '127.0.0.1';
    };
  }
  provider.on('grant.error', (_ctx, err: { error?: string }) => refusals.push(err.error ?? 'error'));

  // The sign-in page: login, then consent to the scopes asked for, each a redirect back to the provider.
  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (next === 'deny') {
      next = undefined;
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the reader cancelled' }, { mergeWithLastSubmission: false });
    }
    if (details.prompt.name === 'login') {
      if (!next) throw new Error('the test provider was not told who signs in (signInAs)');
      return provider.interactionFinished(req, res, { login: { accountId: next.sub } }, { mergeWithLastSubmission: false });
    }
    const grant = new provider.Grant({ accountId: details.session!.accountId, clientId });
    grant.addOIDCScope(String(details.params.scope));
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      });
      return;
    }
    callback(req, res);
  });

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  };
  t.teardown(close);
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signInAs: (sub) => { next = { sub }; },
    deny: () => { next = 'deny'; },
    refusals,
    close,
  };
}

/**
 * A browser, as far as a sign-in needs one: a cookie jar per origin (name=value only; Max-Age=0
 * deletes) and requests that follow redirects, or stop at the first URL a test wants to handle.
 */
export class Browser {
  readonly jar = new Map<string, Map<string, string>>();

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const cookies = [...(this.jar.get(origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html', ...headers, ...(cookies ? { cookie: cookies } : {}) } });
    const jar = this.jar.get(origin) ?? new Map<string, string>();
    this.jar.set(origin, jar);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (gone) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    return res;
  }

  /** Drops an origin's cookies (at the provider: the reader signed out there, so the next sign-in asks again). */
  forget(origin: string): void {
    this.jar.delete(new URL(origin).origin);
  }

  /** Follows redirects from `url` until one leads to a URL `stop` accepts (returned, not loaded) or a page answers. */
  async follow(url: string, stop: (u: URL) => boolean, max = 20): Promise<{ stoppedAt?: URL; res?: Response }> {
    let at = url;
    for (let i = 0; i < max; i++) {
      const res = await this.get(at);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { res };
      await res.arrayBuffer();
      const nextUrl = new URL(location, at);
      if (stop(nextUrl)) return { stoppedAt: nextUrl };
      at = nextUrl.href;
    }
    throw new Error(`more than ${max} redirects from ${url}`);
  }
}
