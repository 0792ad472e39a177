// Where a webhook may send: the SSRF guard. A receiver's host is resolved (every address) and
// refused when any address is loopback, private, link-local, unique-local, CGNAT, unspecified or
// otherwise not a public unicast address, IPv4-mapped IPv6 forms included, unless the operator
// allows private targets (PARLEY_WEBHOOK_ALLOW_PRIVATE). The API checks at creation; the worker
// checks again at delivery, on the very addresses it connects to (`guardedLookup`), so a DNS
// answer that changes after creation (rebinding) is caught too.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const refused = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  refused.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 onto IPv4 (could reach any private v4 address)
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  refused.addSubnet(net, bits, 'ipv6');
}

/** True when an address is not one a webhook may call (BlockList also matches IPv4-mapped IPv6 forms). */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return refused.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export class WebhookTargetRefused extends Error {
  readonly host: string;
  readonly address?: string;
  constructor(host: string, reason: string, address?: string) {
    super(reason);
    this.name = 'WebhookTargetRefused';
    this.host = host;
    this.address = address;
  }
}

/** URL hostnames keep IPv6 literals in brackets. */
const bare = (hostname: string): string => (hostname.startsWith('[') ? hostname.slice(1, -1) : hostname);

/** Resolves a URL's host and throws `WebhookTargetRefused` when it may not be called. */
export async function checkWebhookTarget(url: URL, allowPrivate: boolean): Promise<void> {
  const host = bare(url.hostname);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (err) {
      throw new WebhookTargetRefused(host, `the host "${host}" does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`);
    }
  }
  if (allowPrivate) return;
  const bad = addresses.find(isRefusedAddress);
  if (bad !== undefined) throw new WebhookTargetRefused(host, `the host "${host}" resolves to ${bad}, a loopback or private address`, bad);
}

/**
 * A `lookup` for http.request that refuses private answers, so the address checked is the address
 * connected to. (Node skips `lookup` for IP literals; `checkWebhookTarget` covers those.)
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { all: true, verbatim: true, family: options.family as number | undefined }).then(
      (all) => {
        const bad = allowPrivate ? undefined : all.find((a) => isRefusedAddress(a.address));
        if (bad) {
          callback(new WebhookTargetRefused(hostname, `the host "${hostname}" resolves to ${bad.address}, a loopback or private address`, bad.address), '', 4);
          return;
        }
        if (options.all) (callback as unknown as (e: null, a: typeof all) => void)(null, all);
        else callback(null, all[0].address, all[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}
