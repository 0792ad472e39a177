// The OpenID Connect providers the operator configured (PARLEY_OIDC_PROVIDERS): read once at
// start-up and checked, so a typo stops the server with a message instead of failing a reader's
// sign-in later. Messages name the entry and the field, never a secret.
import { readFileSync } from 'node:fs';
import { ConfigError } from '@parley/data';

export interface OidcProvider {
  /** names the provider in URLs (/v1/oidc/<id>/start) and in the widget's list */
  id: string;
  /** what the sign-in button says */
  name: string;
  issuer: string;
  clientId: string;
  /** absent: a public client (PKCE only, no client authentication) */
  clientSecret?: string;
  /** how the secret goes to the token endpoint, when the client was registered for one way only; default: post if the provider lists it, else basic */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** a forum's own provider (id FORUM_PROVIDER_ID): the forum, whose users it signs in */
  forumId?: string;
}

const ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** the id of a forum's own provider (PUT /v1/forums/:slug/oidc), never an operator's */
export const FORUM_PROVIDER_ID = 'site';

function text(entry: Record<string, unknown>, field: string, where: string, max: number): string {
  const v = entry[field];
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) throw new ConfigError(`PARLEY_OIDC_PROVIDERS: ${where} needs "${field}", a non-empty string of at most ${max} characters`);
  return v;
}

function provider(entry: unknown, index: number, allowHttp: boolean): OidcProvider {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(`PARLEY_OIDC_PROVIDERS: entry ${index} must be an object`);
  const e = entry as Record<string, unknown>;
  const id = text(e, 'id', `entry ${index}`, 32);
  if (!ID.test(id)) throw new ConfigError(`PARLEY_OIDC_PROVIDERS: entry ${index}'s id must be lowercase letters, digits and hyphens (at most 32)`);
  if (id === FORUM_PROVIDER_ID) throw new ConfigError(`PARLEY_OIDC_PROVIDERS: entry ${index}'s id "${FORUM_PROVIDER_ID}" is kept for a forum's own provider; choose another`);
  const where = `provider "${id}"`;
  const issuer = text(e, 'issuer', where, 2048);
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`PARLEY_OIDC_PROVIDERS: ${where}'s issuer must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw new ConfigError(`PARLEY_OIDC_PROVIDERS: ${where}'s issuer must be an https URL (http only with PARLEY_OIDC_ALLOW_HTTP)`);
  }
  const known = new Set(['id', 'name', 'issuer', 'clientId', 'clientSecret', 'tokenEndpointAuthMethod']);
  const method = e.tokenEndpointAuthMethod;
  if (method !== undefined && method !== 'client_secret_basic' && method !== 'client_secret_post') {
    throw new ConfigError(`PARLEY_OIDC_PROVIDERS: ${where}'s tokenEndpointAuthMethod must be client_secret_basic or client_secret_post`);
  }
  const unknown = Object.keys(e).find((k) => !known.has(k));
  if (unknown) throw new ConfigError(`PARLEY_OIDC_PROVIDERS: ${where} has a field it does not take: "${unknown.slice(0, 40)}"`);
  return {
    id,
    name: text(e, 'name', where, 64),
    issuer,
    clientId: text(e, 'clientId', where, 512),
    ...(e.clientSecret !== undefined ? { clientSecret: text(e, 'clientSecret', where, 4096) } : {}),
    ...(method !== undefined ? { tokenEndpointAuthMethod: method } : {}),
  };
}

/** The providers in the option's value: a JSON array, inline or in the file it names. */
export function parseOidcProviders(raw: string | undefined, allowHttp: boolean): OidcProvider[] {
  if (raw === undefined || raw.trim() === '') return [];
  let json = raw.trim();
  // JSON begins with [ (or { when someone gives one provider, refused below); anything else is a path
  if (!json.startsWith('[') && !json.startsWith('{')) {
    try {
      json = readFileSync(json, 'utf8');
    } catch (err) {
      throw new ConfigError(`PARLEY_OIDC_PROVIDERS: the file could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); give a JSON array or the path of a JSON file`);
    }
  }
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    throw new ConfigError('PARLEY_OIDC_PROVIDERS is not valid JSON');
  }
  if (!Array.isArray(list)) throw new ConfigError('PARLEY_OIDC_PROVIDERS must be a JSON array of providers');
  const providers = list.map((e, i) => provider(e, i, allowHttp));
  const ids = new Set(providers.map((p) => p.id));
  if (ids.size !== providers.length) throw new ConfigError('PARLEY_OIDC_PROVIDERS lists a provider id twice');
  return providers;
}
