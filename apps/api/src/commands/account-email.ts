// The API's half of account emails (the kinds, and how to add one: packages/domain account-email.ts).
// `requestAccountEmail` (packages/data account-email.ts) runs inside the caller's accounts
// transaction, next to the change that needs the mail: it inserts the link's row and appends
// AccountEmailRequested, which the worker turns into one email. `redeemAccountToken` checks a
// link's HMAC for its kind (constant time) and uses its row once.
import { accountSql, verifyAccountToken, type Config, type Executor } from '@parley/data';
import { ParleyError, type AccountEmailKind } from '@parley/domain';

// issued in the caller's transaction; shared with the worker, which issues password-reset links
export { requestAccountEmail, type AccountEmailOrder } from '@parley/data';

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
