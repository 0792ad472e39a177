// Runs the phases in order. A reject stops the run (later phases cannot undo it, so running them
// would only cost time); holds and spam marks are collected from every phase so a moderator sees
// all the reasons at once. Spam outranks hold. A masked text is handed to the following phases,
// so they judge the text that will be stored. A shadow ban outranks both: the comment is kept,
// shown to its author only, and every reason is still collected for the moderator.
import { bansPhase } from './bans.ts';
import { blocklistPhase } from './blocklist.ts';
import { linksPhase } from './links.ts';
import { newCommenterPhase } from './new-commenter.ts';
import type { ModerationSettings } from './settings.ts';
import { spamHeuristicsPhase } from './spam-heuristics.ts';
import { threadClosedPhase } from './thread-closed.ts';
import type { ModerationContext, ModerationRejectCode, Phase, Reason } from './types.ts';

/** Cheapest and most certain first: a closed thread or a ban rejects before any text is scanned. */
export const defaultPhases: readonly Phase[] = [threadClosedPhase, bansPhase, blocklistPhase, linksPhase, newCommenterPhase, spamHeuristicsPhase];

export type ModerationStatus = 'approved' | 'pending' | 'spam' | 'shadowed' | 'rejected';

export interface ModerationOutcome {
  status: ModerationStatus;
  /** every reason collected, in phase order; for a rejection, the reject's reason is last */
  reasons: Reason[];
  /** set only when status is rejected */
  rejectCode?: ModerationRejectCode;
  /** set when a phase masked words: the text to store instead of the one written */
  maskedText?: string;
}

export function runPipeline(ctx: ModerationContext, settings: ModerationSettings, phases: readonly Phase[] = defaultPhases): ModerationOutcome {
  const reasons: Reason[] = [];
  let spam = false;
  let shadow = false;
  let maskedText: string | undefined;
  let current = ctx;
  for (const phase of phases) {
    const decision = phase.run(current, settings);
    if (decision.action === 'reject') return { status: 'rejected', reasons: [...reasons, decision.reason], rejectCode: decision.code };
    if (decision.action !== 'pass') reasons.push(...decision.reasons);
    if (decision.action === 'spam') spam = true;
    if (decision.action === 'shadow') shadow = true;
    if (decision.action !== 'shadow' && decision.maskedText !== undefined) {
      maskedText = decision.maskedText;
      current = { ...current, text: maskedText };
    }
  }
  const status: ModerationStatus = shadow ? 'shadowed' : spam ? 'spam' : reasons.length > 0 ? 'pending' : 'approved';
  return { status, reasons, ...(maskedText === undefined ? {} : { maskedText }) };
}
