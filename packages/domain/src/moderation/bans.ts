// Bans on the account, the guest email, the address or a range of addresses. An expired ban is
// ignored here, so expiry needs no job to lift it. IPv4-mapped IPv6 addresses (::ffff:1.2.3.4, as a
// dual-stack socket reports them) are compared as the IPv4 address they are. A ban value that does
// not parse matches nothing (the ban API validates values; a bad row must not reject everyone).
// A shadow ban (mode `shadow`) does not refuse: the comment is stored shadowed, seen by its author only.
import ipaddr from 'ipaddr.js';
import { pass, type Ban, type ModerationContext, type Phase } from './types.ts';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

function parseAddress(ip: string | null): Address | null {
  if (ip === null || !ipaddr.isValid(ip)) return null;
  return ipaddr.process(ip);
}

/**
 * An address as it is stored and looked up: an IPv4 client of a dual-stack socket
 * (`::ffff:1.2.3.4`) as the IPv4 address it is, so a ban on 1.2.3.0/24 finds it in SQL too; null
 * for anything that is not an address.
 */
export const canonicalAddress = (ip: string | null | undefined): string | null => parseAddress(ip ?? null)?.toString() ?? null;

function parseRange(cidr: string): Range | null {
  if (!ipaddr.isValidCIDR(cidr)) return null;
  const [net, bits] = ipaddr.parseCIDR(cidr);
  if (net instanceof ipaddr.IPv6 && net.isIPv4MappedAddress() && bits >= 96) return [net.toIPv4Address(), bits - 96];
  return [net, bits];
}

// Parsing an address costs more than the rest of the phase; a caller that keeps its ban rows
// (a backtest, a cache of the forum's bans) parses each once.
const parsedBans = new WeakMap<Ban, Address | Range | null>();
function parsedValue(ban: Ban): Address | Range | null {
  if (!parsedBans.has(ban)) parsedBans.set(ban, ban.kind === 'ip' ? parseAddress(ban.value) : parseRange(ban.value));
  return parsedBans.get(ban) ?? null;
}

function within(a: Address, [net, bits]: Range): boolean {
  if (a instanceof ipaddr.IPv4 && net instanceof ipaddr.IPv4) return a.match(net, bits);
  if (a instanceof ipaddr.IPv6 && net instanceof ipaddr.IPv6) return a.match(net, bits);
  return false; // a v4 address is never in a v6 range, nor the reverse
}

const normalEmail = (email: string): string => email.trim().toLowerCase();

function applies(ban: Ban, ctx: ModerationContext, addr: () => Address | null): boolean {
  if (ban.expiresAt !== null && ban.expiresAt.getTime() <= ctx.now.getTime()) return false;
  const { userId, email } = ctx.author;
  switch (ban.kind) {
    case 'user':
      return userId !== null && ban.value === userId;
    case 'email':
      return email !== null && normalEmail(ban.value) === normalEmail(email);
    case 'ip': {
      const [a, b] = [addr(), parsedValue(ban) as Address | null];
      return a !== null && b !== null && a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
    }
    case 'range': {
      const [a, range] = [addr(), parsedValue(ban) as Range | null];
      return a !== null && range !== null && within(a, range);
    }
  }
}

/** Whether the ban is in force at ctx.now and concerns ctx's author. */
export function banApplies(ban: Ban, ctx: ModerationContext): boolean {
  return applies(ban, ctx, () => parseAddress(ctx.author.ip));
}

export const bansPhase: Phase = {
  name: 'bans',
  run(ctx, settings) {
    if (!settings.bans.enabled || ctx.bans.length === 0) return pass;
    let addr: Address | null | undefined;
    const author = (): Address | null => (addr === undefined ? (addr = parseAddress(ctx.author.ip)) : addr);
    // a ban outranks a shadow ban: an author under both is refused, not quietly kept
    const matching = ctx.bans.filter((b) => applies(b, ctx, author));
    const ban = matching.find((b) => (b.mode ?? 'ban') === 'ban');
    // the ban's kind goes to the moderator; the client only learns it is banned
    if (ban) return { action: 'reject', code: 'author_banned', reason: { phase: 'bans', code: `banned_${ban.kind}`, detail: ban.reason } };
    if (matching.length === 0) return pass;
    // the author must not be able to tell: no error, no note; only the moderator sees why
    return { action: 'shadow', reasons: [{ phase: 'bans', code: 'shadow_banned', detail: matching[0].reason }] };
  },
};
