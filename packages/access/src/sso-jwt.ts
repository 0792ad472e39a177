// Single sign-on by JWT: the site signs its user as a JWT, HS256 with the forum's SSO secret, or
// RS256 / ES256 with its own private key, whose public keys it publishes as a JWKS (the forum's
// `ssoJwksUrl`). Verified with `jose`: the algorithm must be one of those three and match the key
// kind, `exp` is required and `nbf` honoured (30 s of clock skew), and `aud` must be the forum's
// audience. Claims: `sub` (the site's id of the user), `name` or `preferred_username`, `email`,
// optional `picture` and `profile` (or `website`).
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { ParleyError } from '@parley/domain';
import { identityOf, type SsoIdentity } from './sso-disqus.ts';

export const SSO_JWT_MAX_LENGTH = 8192;
const SKEW_SECONDS = 30;
const JWKS_TIMEOUT_MS = 3000;
/** a site's JWKS is fetched once and kept (jose refetches on an unknown key id, at most every 30 s) */
const jwksByUrl = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const MAX_JWKS = 1000;

function remoteKeys(url: string): ReturnType<typeof createRemoteJWKSet> {
  let keys = jwksByUrl.get(url);
  if (!keys) {
    if (jwksByUrl.size >= MAX_JWKS) jwksByUrl.delete(jwksByUrl.keys().next().value!);
    keys = createRemoteJWKSet(new URL(url), { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: 30_000 });
    jwksByUrl.set(url, keys);
  }
  return keys;
}

export interface SsoJwtOptions {
  /** the forum's SSO secret (HS256), if it has one */
  secret: string | null;
  /** the forum's JWKS URL (RS256, ES256), if it has one */
  jwksUrl: string | null;
  /** what `aud` must hold */
  audience: string;
  /** JWKS over plain http (tests on loopback; never in production) */
  allowHttpJwks: boolean;
  /** for tests: seconds since the epoch */
  now?: number;
}

const invalid = (message: string) => new ParleyError('invalid_sso', { message });

/** Verifies a site's JWT and returns the user it names. */
export async function verifySsoJwt(token: string, o: SsoJwtOptions): Promise<SsoIdentity> {
  if (token.length > SSO_JWT_MAX_LENGTH) throw invalid(`The single sign-on token is longer than ${SSO_JWT_MAX_LENGTH} characters.`);
  const alg = headerAlg(token);
  const common = { audience: o.audience, clockTolerance: SKEW_SECONDS, requiredClaims: ['exp', 'sub'], ...(o.now !== undefined ? { currentDate: new Date(o.now * 1000) } : {}) };
  let payload: JWTPayload;
  try {
    if (alg === 'HS256') {
      if (!o.secret) throw new ParleyError('sso_not_configured', { message: 'This forum has no single sign-on secret for HS256 tokens; its moderators can create one.' });
      ({ payload } = await jwtVerify(token, new TextEncoder().encode(o.secret), { ...common, algorithms: ['HS256'] }));
    } else if (alg === 'RS256' || alg === 'ES256') {
      if (!o.jwksUrl) throw new ParleyError('sso_not_configured', { message: `This forum takes ${alg} tokens only once its ssoJwksUrl setting names the site's public keys.` });
      if (!o.allowHttpJwks && new URL(o.jwksUrl).protocol !== 'https:') throw new ParleyError('sso_not_configured', { message: 'The forum\'s ssoJwksUrl must be https.' });
      ({ payload } = await jwtVerify(token, remoteKeys(o.jwksUrl), { ...common, algorithms: ['RS256', 'ES256'] }));
    } else {
      throw invalid('A single sign-on token is signed with HS256, RS256 or ES256.');
    }
  } catch (err) {
    throw mapJoseError(err);
  }
  return identityOf({
    id: payload.sub,
    username: payload.name ?? payload.preferred_username,
    email: payload.email,
    avatar: payload.picture,
    url: payload.profile ?? payload.website,
  });
}

function headerAlg(token: string): string {
  const head = token.split('.')[0];
  if (token.split('.').length !== 3 || !head) throw invalid('A single sign-on token is a JWT: three base64url parts separated by dots.');
  try {
    const h = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof h.alg === 'string' ? h.alg : '';
  } catch {
    throw invalid('The single sign-on token\'s header is not base64url JSON.');
  }
}

function mapJoseError(err: unknown): unknown {
  if (err instanceof ParleyError) return err;
  if (err instanceof errors.JWTExpired) return new ParleyError('sso_expired', { message: 'The single sign-on token has expired (exp); sign a fresh one.' });
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new ParleyError('sso_expired', { message: 'The single sign-on token is not valid yet (nbf).' });
    if (err.claim === 'aud') return new ParleyError('sso_wrong_audience');
    return invalid(`The single sign-on token's ${err.claim} claim is missing or not valid.`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new ParleyError('sso_signature_invalid', { message: 'The single sign-on token\'s signature does not match the forum\'s keys.' });
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || (err instanceof Error && /fetch|ECONNREFUSED|Expected 200 OK/i.test(err.message))) {
    return new ParleyError('sso_keys_unavailable', { internal: err });
  }
  if (err instanceof errors.JOSEError) return invalid(`The single sign-on token is not valid: ${err.code}.`);
  return err;
}
