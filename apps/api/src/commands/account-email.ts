// The API's half of account emails (the kinds, and how to add one: packages/domain account-email.ts).
// `requestAccountEmail` runs inside the caller's accounts transaction, next to the change that
// needs the mail: it inserts the link's row and appends AccountEmailRequested, which the worker
// turns into one email. `redeemAccountToken` checks a link's HMAC for its kind (constant time) and
// uses its row once.
import { accountSql, appendEvent, newAccountTokenId, verifyAccountToken, type Config, type Executor, type LoggedEvent } from '@parley/data';
import { actorLabel, makeEvent, ParleyError, type AccountEmailKind, type AccountEmailRequested, type Actor } from '@parley/domain';

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

export async function requestAccountEmail(ex: Executor, o: AccountEmailOrder): Promise<LoggedEvent<AccountEmailRequested>> {
  const tokenId = newAccountTokenId();
  const { rows } = await ex.query(accountSql.insertToken, [tokenId, o.kind, o.userId, o.email, o.data ?? {}, o.ttlSeconds]);
  const snapshot = { kind: o.kind, tokenId, userId: o.userId, email: o.email, name: o.name, expiresAt: rows[0].expires_at as Date, forumId: o.forumId ?? null, ...(o.details ? { details: o.details } : {}) };
  return appendEvent(ex, { forumId: null, actor: actorLabel(o.actor), event: makeEvent<AccountEmailRequested>('AccountEmailRequested', snapshot) });
}

/** The row id of a link this server signed for this kind (no database): refuses forgeries before costly work. */
export function checkAccountToken(config: Config, kind: AccountEmailKind, token: string): string {
  // without a secret no link can be genuine
  const id = config.secret ? verifyAccountToken(config.secret, kind, token.trim()) : undefined;
  if (!id) throw new ParleyError('invalid_account_token');
  return id;
}

export interface RedeemedToken {
  userId: string | null;
  email: string;
  data: Record<string, string>;
}

/**
 * Uses a link of this kind once, in the caller's transaction (roll back and it is unused again).
 * A forged, tampered, used, expired or other-kind token is one answer: invalid_account_token.
 */
export async function redeemAccountToken(ex: Executor, config: Config, kind: AccountEmailKind, token: string): Promise<RedeemedToken> {
  const id = checkAccountToken(config, kind, token);
  const { rows } = await ex.query(accountSql.redeemToken, [id, kind]);
  if (rows.length === 0) throw new ParleyError('invalid_account_token');
  return { userId: rows[0].user_id as string | null, email: rows[0].email as string, data: rows[0].data as Record<string, string> };
}
