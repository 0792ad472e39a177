// Someone the forum does not know yet waits for a moderator: fewer approved comments than the
// threshold, an account younger than the threshold, or a guest email never seen here before.
// isNewCommenter is shared with the links phase, which treats a new commenter's links apart.
import type { ModerationSettings } from './settings.ts';
import { combine, pass, type ModerationContext, type Phase, type Reason } from './types.ts';

const dayMs = 24 * 60 * 60 * 1000;

export function newCommenterReasons(ctx: ModerationContext, settings: ModerationSettings): Reason[] {
  const s = settings.newCommenter;
  const reasons: Reason[] = [];
  const reason = (code: string, detail: string): number => reasons.push({ phase: 'newCommenter', code, detail });
  if (ctx.approvedCount < s.minApprovedComments) reason('few_approved_comments', `${ctx.approvedCount} approved comments; ${s.minApprovedComments} needed`);
  if (s.minAccountAgeDays > 0 && ctx.accountAgeMs !== null && ctx.accountAgeMs < s.minAccountAgeDays * dayMs) {
    reason('young_account', `account is ${Math.floor(ctx.accountAgeMs / dayMs)} days old; ${s.minAccountAgeDays} needed`);
  }
  if (s.holdFirstGuestEmail && ctx.firstGuestEmailComment) reason('first_guest_comment', 'first comment from this guest email');
  return reasons;
}

export const isNewCommenter = (ctx: ModerationContext, settings: ModerationSettings): boolean => newCommenterReasons(ctx, settings).length > 0;

export const newCommenterPhase: Phase = {
  name: 'newCommenter',
  run(ctx, settings) {
    if (!settings.newCommenter.enabled) return pass;
    return combine(newCommenterReasons(ctx, settings).map((reason) => ({ action: 'hold' as const, reason })));
  },
};
