// The HTTP client of a forum's own OpenID Connect provider. A moderator chose its issuer, and the
// provider's metadata names the other URLs (token, keys, userinfo), so none of them may reach the
// server's own network: every connection goes to the addresses the guard resolved and checked
// (the webhooks' SSRF guard, packages/data webhook-target.ts), IP literals included. The
// operator's providers are trusted and use plain fetch.
import { isIP } from 'node:net';
import type { CustomFetch } from 'openid-client';
import { Agent } from 'undici';
import { guardedLookup, isRefusedAddress } from '@parley/data';

export type GuardedFetch = CustomFetch & { close(): Promise<void> };

export function guardedFetch(allowPrivate: boolean): GuardedFetch {
  const agent = new Agent({ connect: { lookup: guardedLookup(allowPrivate) } });
  const f: CustomFetch = async (url, options) => {
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    // Node resolves no IP literal: the guard's lookup never sees one
    if (!allowPrivate && isIP(host) && isRefusedAddress(host)) throw new TypeError(`fetch failed: ${host} is a loopback or private address`);
    return fetch(url, { ...options, dispatcher: agent } as unknown as RequestInit);
  };
  return Object.assign(f, { close: () => agent.close() });
}
