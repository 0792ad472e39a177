// A ban as stored and as moderators see it, and the checks on a new one. The bans phase (bans.ts)
// judges comments with the `Ban` part; the rest (who, when, lifted, the retroactive job's
// progress) is for the ban API and its events. A ban made from a comment keeps that comment's
// id: its value (the author's email or address) is then never shown, in views or events, since
// a moderator's view of a comment carries neither.
import ipaddr from 'ipaddr.js';
import { ParleyError } from '../errors.ts';
import { checkEmail, checkId } from '../validate.ts';
import { banModes, type Ban, type BanMode } from './types.ts';

export const banKinds = ['user', 'email', 'ip', 'range'] as const satisfies readonly Ban['kind'][];
export const retroStatuses = ['queued', 'running', 'done'] as const;
export type RetroStatus = (typeof retroStatuses)[number];

/** Longest reason a moderator may give. */
export const BAN_REASON_MAX = 500;
/** Longest suspension: ten years; beyond that, ban for good. */
export const BAN_DURATION_MAX_SECONDS = 10 * 365 * 24 * 3600;
/** Broadest ranges accepted: a typo such as /1 must not ban half the internet. */
export const BAN_RANGE_MIN_BITS = { ipv4: 8, ipv6: 16 } as const;

export interface BanRecord {
  id: string;
  /** null: the whole instance (the admin's) */
  forumId: string | null;
  kind: Ban['kind'];
  /** null in views and events when the ban came from a comment and names its author's email or address */
  value: string | null;
  /** the comment whose author this bans ("ban the author"), if it came from one */
  postId: string | null;
  mode: BanMode;
  reason: string;
  expiresAt: Date | null;
  createdBy: string;
  createdAt: Date;
  liftedAt: Date | null;
  liftedBy: string | null;
  retroactive: boolean;
  /** the retroactive job's progress; null when the ban is not retroactive */
  retro: { status: RetroStatus; hidden: number; total: number | null } | null;
}

/** The value a moderator may see: none for an email or address taken from a comment. */
export const shownBanValue = (b: Pick<BanRecord, 'kind' | 'value' | 'postId'>): string | null =>
  b.postId !== null && b.kind !== 'user' ? null : b.value;

/** What a ban's event carries: the record with the value a moderator may see. */
export const banSnapshot = (b: BanRecord): BanRecord => ({ ...b, value: shownBanValue(b) });

export const banInForce = (b: Pick<BanRecord, 'liftedAt' | 'expiresAt'>, now: Date): boolean =>
  b.liftedAt === null && (b.expiresAt === null || b.expiresAt.getTime() > now.getTime());

/** A ban as the API shows it: the record with its times as ISO text, the value a moderator may see, and whether it is in force. */
export type BanView = Omit<BanRecord, 'expiresAt' | 'createdAt' | 'liftedAt'> & {
  expiresAt: string | null;
  createdAt: string;
  liftedAt: string | null;
  /** not lifted and not expired */
  active: boolean;
};

export const banView = (b: BanRecord, now: Date): BanView => ({
  ...b,
  value: shownBanValue(b),
  expiresAt: b.expiresAt?.toISOString() ?? null,
  createdAt: b.createdAt.toISOString(),
  liftedAt: b.liftedAt?.toISOString() ?? null,
  active: banInForce(b, now),
});

const invalid = (message: string, details?: Record<string, unknown>): never => {
  throw new ParleyError('invalid_ban', { message, ...(details ? { details } : {}) });
};

/**
 * A ban's value in the form the table keeps and the bans phase compares: a user id as is, an
 * email lower-cased, an address in its canonical text (an IPv4-mapped IPv6 address as the IPv4
 * address it is), a range as its network address and prefix (Postgres' cidr refuses host bits).
 */
export function checkBanValue(kind: string, raw: string): { kind: Ban['kind']; value: string } {
  const value = raw.trim();
  switch (kind) {
    case 'user':
      return { kind, value: checkId(value, 'user id') };
    case 'email':
      return { kind, value: checkEmail(value).toLowerCase() };
    case 'ip':
      if (!ipaddr.isValid(value)) return invalid('An ip ban needs an IPv4 or IPv6 address, such as 203.0.113.7 or 2001:db8::1.', { value: value.slice(0, 64) });
      return { kind, value: ipaddr.process(value).toString() };
    case 'range': {
      if (!ipaddr.isValidCIDR(value)) return invalid('A range ban needs a CIDR range, such as 203.0.113.0/24 or 2001:db8::/32.', { value: value.slice(0, 64) });
      let [net, bits] = ipaddr.parseCIDR(value);
      if (net instanceof ipaddr.IPv6 && net.isIPv4MappedAddress() && bits >= 96) [net, bits] = [net.toIPv4Address(), bits - 96];
      const min = net.kind() === 'ipv4' ? BAN_RANGE_MIN_BITS.ipv4 : BAN_RANGE_MIN_BITS.ipv6;
      if (bits < min) return invalid(`A range ban is at most a /${min} for ${net.kind() === 'ipv4' ? 'IPv4' : 'IPv6'}; ban a narrower range.`, { value: value.slice(0, 64) });
      const network = net instanceof ipaddr.IPv4 ? ipaddr.IPv4.networkAddressFromCIDR(`${net.toString()}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${net.toString()}/${bits}`);
      return { kind, value: `${network.toString()}/${bits}` };
    }
    default:
      return invalid('kind must be user, email, ip or range.', { kind: String(kind).slice(0, 20) });
  }
}

export interface BanTerms {
  mode: BanMode;
  reason: string;
  expiresAt: Date | null;
}

/** Mode, reason and expiry of a new ban: `expiresAt` (a future instant) or `durationSeconds`, not both. */
export function checkBanTerms(body: { mode?: string; reason?: string; expiresAt?: string; durationSeconds?: number }, now: Date): BanTerms {
  const mode = body.mode ?? 'ban';
  if (!(banModes as readonly string[]).includes(mode)) invalid('mode must be ban or shadow.', { mode: mode.slice(0, 20) });
  const reason = (body.reason ?? '').trim();
  if ([...reason].length > BAN_REASON_MAX) invalid(`A ban reason is at most ${BAN_REASON_MAX} characters.`);
  if (body.expiresAt !== undefined && body.durationSeconds !== undefined) invalid('Give expiresAt or durationSeconds, not both.');
  let expiresAt: Date | null = null;
  if (body.durationSeconds !== undefined) {
    const d = body.durationSeconds;
    if (!Number.isInteger(d) || d < 1 || d > BAN_DURATION_MAX_SECONDS) invalid(`durationSeconds is a whole number from 1 to ${BAN_DURATION_MAX_SECONDS} (ten years).`, { durationSeconds: d });
    expiresAt = new Date(now.getTime() + d * 1000);
  } else if (body.expiresAt !== undefined) {
    const at = new Date(body.expiresAt);
    if (Number.isNaN(at.getTime())) invalid('expiresAt is a date-time such as 2027-01-31T00:00:00Z.', { expiresAt: body.expiresAt.slice(0, 40) });
    if (at.getTime() <= now.getTime()) invalid('expiresAt must be in the future.', { expiresAt: body.expiresAt.slice(0, 40) });
    if (at.getTime() > now.getTime() + BAN_DURATION_MAX_SECONDS * 1000) invalid('expiresAt is at most ten years away; beyond that, ban for good (leave it out).');
    expiresAt = at;
  }
  return { mode: mode as BanMode, reason, expiresAt };
}
