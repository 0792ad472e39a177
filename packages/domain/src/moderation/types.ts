// The moderation pipeline's vocabulary. A phase is a pure function of facts the caller gathered
// BEFORE the write (outside any transaction, so no lock is held while they are read) and of the
// forum's settings; it returns one decision. Nothing here does I/O.
import type { ErrorCode } from '../errors.ts';
import type { ModerationSettings } from './settings.ts';

/** A ban in force or not: the bans phase ignores those whose expiresAt has passed at ctx.now. */
export interface Ban {
  kind: 'user' | 'email' | 'ip' | 'range';
  /** a user id, an email address, an IP address, or a CIDR range (v4 or v6) */
  value: string;
  expiresAt: Date | null;
  reason: string;
  /** `ban` refuses the author's comments; `shadow` keeps them, seen by their author only. Absent: `ban`. */
  mode?: BanMode;
}

export const banModes = ['ban', 'shadow'] as const;
export type BanMode = (typeof banModes)[number];

export interface ModerationContext {
  now: Date;
  /** the comment's source text as written (markdown) */
  text: string;
  /** hrefs of the links in the rendered comment */
  links: readonly string[];
  author: { userId: string | null; email: string | null; ip: string | null };
  /** null for a guest */
  accountAgeMs: number | null;
  /** the author's approved comments in this forum */
  approvedCount: number;
  /** a guest whose email has never commented in this forum before */
  firstGuestEmailComment: boolean;
  threadClosed: boolean;
  /** null when the widget did not report when it loaded (API clients) */
  msSinceWidgetLoad: number | null;
  /** the hidden form field only bots fill; null when the client sent none */
  honeypot: string | null;
  /** the same author's recent comment texts in OTHER threads, newest first */
  recentTexts: readonly string[];
  /** bans of this forum and of the instance that could concern this author */
  bans: readonly Ban[];
}

/** Why a comment was held, marked as spam or rejected: a stable code to filter on, and words for a moderator. */
export interface Reason {
  phase: ReasonSource;
  code: string;
  detail: string;
}

/** The rejection codes a phase may answer with; each is in the error registry. */
export type ModerationRejectCode = Extract<ErrorCode, 'thread_closed' | 'author_banned' | 'comment_blocked'>;

export type Decision =
  | { action: 'pass'; maskedText?: string }
  | { action: 'hold'; reasons: Reason[]; maskedText?: string }
  | { action: 'spam'; reasons: Reason[]; maskedText?: string }
  // a shadow ban: the comment is kept and shown to its author only; later phases still run
  | { action: 'shadow'; reasons: Reason[] }
  | { action: 'reject'; code: ModerationRejectCode; reason: Reason };

export const phaseNames = ['threadClosed', 'bans', 'blocklist', 'links', 'newCommenter', 'spamHeuristics'] as const;
export type PhaseName = (typeof phaseNames)[number];

/** Who gave a reason: a pipeline phase (a retroactive ban's is `bans`), the external spam check, readers' flags, or the forum's pre-moderation. */
export const reasonSources = [...phaseNames, 'akismet', 'flags', 'preModeration'] as const;
export type ReasonSource = (typeof reasonSources)[number];

export interface Phase {
  name: PhaseName;
  run(ctx: ModerationContext, settings: ModerationSettings): Decision;
}

export const pass: Decision = { action: 'pass' };

/** The strongest of a phase's findings: spam over hold; all reasons of that level and below kept. */
export function combine(found: { action: 'hold' | 'spam'; reason: Reason }[], maskedText?: string): Decision {
  const masked = maskedText === undefined ? {} : { maskedText };
  if (found.length === 0) return { action: 'pass', ...masked };
  const action = found.some((f) => f.action === 'spam') ? 'spam' : 'hold';
  return { action, reasons: found.map((f) => f.reason), ...masked };
}
