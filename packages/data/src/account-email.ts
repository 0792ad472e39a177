// Issuing an account email (the kinds, and how the mail travels: packages/domain account-email.ts).
// Here, not in the API, because both tiers issue them: the API for the writes that need a mail,
// the worker for password-reset requests (apps/worker/src/email/password-resets.ts).
import { actorLabel, makeEvent, type AccountEmailKind, type AccountEmailRequested, type Actor } from '@parley/domain';
import { newAccountTokenId } from './account-token.ts';
import type { Executor } from './db.ts';
import type { LoggedEvent } from './logged-event.ts';
import { insertToken, selectLocalAccountsByEmail } from './sql/accounts.ts';
import { appendEvent } from './sql/events.ts';

export interface AccountEmailOrder {
  kind: AccountEmailKind;
  userId: string | null;
  email: string;
  /** the name the mail greets */
  name: string;
  ttlSeconds: number;
  actor: Actor;
  forumId?: string | null;
  /** what else the kind needs when the link is used (a role): stored with the row, never secret */
  data?: Record<string, string>;
  /** what the mail shows besides (a forum's name): in the event and the job, never secret */
  details?: Record<string, string>;
}

/**
 * Runs inside the caller's accounts transaction, next to the change that needs the mail: inserts
 * the link's row and appends AccountEmailRequested, which the worker turns into one email.
 */
export async function requestAccountEmail(ex: Executor, o: AccountEmailOrder): Promise<LoggedEvent<AccountEmailRequested>> {
  const tokenId = newAccountTokenId();
  const { rows } = await ex.query(insertToken, [tokenId, o.kind, o.userId, o.email, o.data ?? {}, o.ttlSeconds]);
  const snapshot = { kind: o.kind, tokenId, userId: o.userId, email: o.email, name: o.name, expiresAt: rows[0].expires_at as Date, forumId: o.forumId ?? null, ...(o.details ? { details: o.details } : {}) };
  return appendEvent(ex, { forumId: null, actor: actorLabel(o.actor), event: makeEvent<AccountEmailRequested>('AccountEmailRequested', snapshot) });
}

/** A reset link for each of Parley's own accounts at this address (none for SSO users): how many. */
export async function issuePasswordResets(ex: Executor, email: string, ttlSeconds: number): Promise<number> {
  const { rows } = await ex.query(selectLocalAccountsByEmail, [email]);
  for (const r of rows) {
    await requestAccountEmail(ex, {
      kind: 'password_reset',
      userId: String(r.id),
      email: r.email as string,
      name: r.username as string,
      ttlSeconds,
      actor: { kind: 'public' },
    });
  }
  return rows.length;
}
