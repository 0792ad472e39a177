// Talking to OpenID Connect providers, through openid-client: discovery (cached per provider),
// the authorization URL (code flow, PKCE S256, state and nonce), and the code exchange with the
// ID token's checks (signature, issuer, audience, expiry, nonce; the `iss` response parameter
// where the provider sends it). What went wrong becomes a registry error: a provider that can't be
// reached is 503 oidc_provider_unavailable, one that refuses is oidc_denied or oidc_login_failed.
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { ParleyError } from '@parley/domain';
import { guardedFetch, type GuardedFetch } from './oidc-fetch.ts';
import type { OidcProvider } from './oidc-providers.ts';

/** Who the provider says signed in. `email` only when the provider vouches for it (email_verified). */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  email?: string;
  name?: string;
  picture?: string;
  preferredUsername?: string;
}

/** What the start of a flow chose, and the callback must present again. */
export interface OidcChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** seconds one request to a provider may take (discovery, token, userinfo) */
const TIMEOUT_SECONDS = 10;
/** a provider's metadata is fetched again after this (its keys have their own cache in openid-client) */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const SCOPE = 'openid email profile';
/** providers whose configuration is kept at once (the operator's and forums') */
const MAX_CONFIGS = 256;

export const newOidcChecks = (): OidcChecks => ({ state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() });

const text = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, max) : undefined);
const httpUrl = (v: unknown): string | undefined => {
  const s = text(v, 2048);
  return s && /^https?:\/\//i.test(s) && URL.canParse(s) ? s : undefined;
};

export class OidcClients {
  readonly #providers: Map<string, OidcProvider>;
  readonly #configs = new Map<string, { at: number; config: Promise<client.Configuration> }>();

  readonly #opts: { allowHttp: boolean; publicUrl: string };
  #guarded: GuardedFetch | undefined;

  constructor(providers: readonly OidcProvider[], opts: { allowHttp: boolean; publicUrl: string }) {
    this.#providers = new Map(providers.map((p) => [p.id, p]));
    this.#opts = opts;
  }

  /** closes the connections kept to forums' providers */
  async close(): Promise<void> {
    await this.#guarded?.close();
  }

  /** id and name of each provider, in the configured order (the widget's buttons) */
  list(): { id: string; name: string }[] {
    return [...this.#providers.values()].map(({ id, name }) => ({ id, name }));
  }

  provider(id: string): OidcProvider {
    const p = this.#providers.get(id);
    if (!p) throw new ParleyError('oidc_provider_not_found', { details: { provider: id.slice(0, 40) } });
    return p;
  }

  /** the redirect URI the operator registers at the provider for this Parley */
  redirectUri(p: OidcProvider): string {
    return `${this.#opts.publicUrl.replace(/\/+$/, '')}/v1/oidc/${p.id}/callback`;
  }

  /** Where to send the browser: the provider's authorization endpoint with the flow's checks. */
  async authorizationUrl(p: OidcProvider, checks: OidcChecks): Promise<string> {
    const config = await this.#config(p);
    return client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(p),
      scope: SCOPE,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    }).href;
  }

  /**
   * The provider's answer (the callback's query string) exchanged for the signed-in identity:
   * the code with the PKCE verifier at the token endpoint, the ID token checked, and the profile
   * completed from the userinfo endpoint when the ID token carries only the subject.
   */
  async exchange(p: OidcProvider, query: string, checks: OidcChecks): Promise<OidcIdentity> {
    const config = await this.#config(p);
    const current = new URL(this.redirectUri(p));
    current.search = query;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      let profile: Record<string, unknown> = claims;
      if ((claims.email === undefined || claims.name === undefined) && config.serverMetadata().userinfo_endpoint) {
        profile = { ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
      }
      return {
        issuer: claims.iss,
        subject: claims.sub,
        ...(profile.email_verified === true && text(profile.email, 320) ? { email: text(profile.email, 320) } : {}),
        ...(text(profile.name, 64) ? { name: text(profile.name, 64) } : {}),
        ...(httpUrl(profile.picture) ? { picture: httpUrl(profile.picture) } : {}),
        ...(text(profile.preferred_username, 64) ? { preferredUsername: text(profile.preferred_username, 64) } : {}),
      };
    } catch (err) {
      throw refusal(p, err);
    }
  }

  #config(p: OidcProvider): Promise<client.Configuration> {
    // a forum's provider changes with its settings: the key names everything the configuration holds
    const key = [p.id, p.forumId, p.issuer, p.clientId, p.clientSecret && createHash('sha256').update(p.clientSecret).digest('base64url')].join('\n');
    const cached = this.#configs.get(key);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
    // bounded: forums' providers come and go; the oldest is forgotten first
    if (this.#configs.size >= MAX_CONFIGS) this.#configs.delete(this.#configs.keys().next().value!);
    const config = client.discovery(
      new URL(p.issuer),
      p.clientId,
      p.clientSecret,
      p.clientSecret === undefined ? client.None() : secretAuth(p.clientSecret, p.tokenEndpointAuthMethod),
      {
        execute: this.#opts.allowHttp ? [client.allowInsecureRequests] : [],
        timeout: TIMEOUT_SECONDS,
        // a forum's provider never reaches the server's own network (oidc-fetch.ts)
        ...(p.forumId !== undefined ? { [client.customFetch]: (this.#guarded ??= guardedFetch(this.#opts.allowHttp)) } : {}),
      },
    ).catch((err: unknown) => {
      // a provider that was away is asked again by the next sign-in
      this.#configs.delete(key);
      throw new ParleyError('oidc_provider_unavailable', { details: { provider: p.id }, internal: err });
    });
    this.#configs.set(key, { at: Date.now(), config });
    return config;
  }
}

/**
 * The client secret as the provider takes it: the way the operator named, else in the body when
 * the provider's metadata lists client_secret_post, else by HTTP Basic (the default OpenID Connect
 * Discovery gives for a provider that lists nothing).
 */
function secretAuth(secret: string, method: OidcProvider['tokenEndpointAuthMethod']): client.ClientAuth {
  const post = client.ClientSecretPost(secret);
  const basic = client.ClientSecretBasic(secret);
  if (method) return method === 'client_secret_post' ? post : basic;
  return (as, c, body, headers) => (as.token_endpoint_auth_methods_supported?.includes('client_secret_post') ? post : basic)(as, c, body, headers);
}

const UNREACHABLE = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT']);

/** The registry error for a failed exchange: unreachable or failing provider (503), or a refusal. */
function refusal(p: OidcProvider, err: unknown): unknown {
  if (err instanceof ParleyError) return err;
  const details = { provider: p.id };
  if (err instanceof client.AuthorizationResponseError) {
    return new ParleyError(err.error === 'access_denied' ? 'oidc_denied' : 'oidc_login_failed', { details: { ...details, reason: err.error }, internal: err });
  }
  if (err instanceof client.ResponseBodyError) {
    return new ParleyError(err.status >= 500 ? 'oidc_provider_unavailable' : 'oidc_login_failed', { details: { ...details, reason: err.error }, internal: err });
  }
  const e = err as { code?: string; cause?: unknown };
  const status = (e.cause as { status?: unknown } | undefined)?.status;
  if (
    (err instanceof TypeError && /fetch failed/i.test(err.message))
    || (err instanceof client.ClientError && (UNREACHABLE.has(e.code ?? '') || (typeof status === 'number' && status >= 500)))
  ) {
    return new ParleyError('oidc_provider_unavailable', { details, internal: err });
  }
  if (err instanceof client.ClientError) return new ParleyError('oidc_login_failed', { details, internal: err });
  return err;
}
