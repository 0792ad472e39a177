// A guest's personal data (docs/adr/0011): whoever left an email on a comment asks, by that
// address, for an export of the comments under it or for their erasure. The answer to the request
// is always the same (no enumeration): when the address has comments, a one-time link of the
// action's own kind is mailed to it (account emails, packages/domain account-email.ts), at most
// one per address, kind and window. Following the link proves the address; the export is then
// streamed, or the erasure begins (the worker's job, as for an account).
import { appendEvent, normalizeEmail, personalDataSql as sql, type Database } from '@parley/data';
import { checkEmail, makeEvent, type GuestErasureRequested } from '@parley/domain';
import type { Services } from '../services.ts';
import { redeemAccountToken, requestAccountEmail } from './account-email.ts';
import type { ErasureStarted } from './personal-data-erase.ts';
import { exportDocument } from './personal-data-export.ts';

export const guestActions = { export: 'guest_export', erase: 'guest_erasure' } as const;
export type GuestAction = keyof typeof guestActions;

/** A link lasts this long, and an address gets one of a kind per this window. */
export const GUEST_LINK_MINUTES = 60;
export const GUEST_LINK_WINDOW_MINUTES = 10;

/** The checked address of a request (invalid_email otherwise: that says nothing about who commented). */
export const guestAddress = (raw: string): string => normalizeEmail(checkEmail(raw.trim()));

/** The name on the guest's latest comment, from any shard; undefined when the address has none. */
async function guestName(db: Database, email: string): Promise<string | undefined> {
  const found = await Promise.all(db.shards().map((shard) => db.exec({ area: 'content', shard, mode: 'read' }, sql.selectGuestName, [email])));
  return found.flatMap((r) => r.rows).map((r) => r.author_name as string)[0];
}

/** Mails the link when the address has comments and had no such link lately. Runs after the answer. Returns whether it mailed. */
export async function requestGuestLink(s: Services, email: string, action: GuestAction): Promise<boolean> {
  const name = await guestName(s.db, email);
  if (name === undefined) return false;
  const kind = guestActions[action];
  return s.db.tx({ area: 'accounts' }, async (ex) => {
    const recent = await ex.query(sql.selectRecentGuestLink, [email, kind, GUEST_LINK_WINDOW_MINUTES]);
    if (recent.rows.length) return false;
    await requestAccountEmail(ex, { kind, userId: null, email, name, ttlSeconds: GUEST_LINK_MINUTES * 60, actor: { kind: 'public' } });
    return true;
  });
}

/** Uses an export link: the address it proves, whose document the caller streams. */
export async function redeemGuestExport(s: Services, token: string): Promise<{ email: string; document: AsyncGenerator<string> }> {
  const link = await s.db.tx({ area: 'accounts' }, (ex) => redeemAccountToken(ex, s.config, guestActions.export, token));
  const email = normalizeEmail(link.email);
  return { email, document: exportDocument(s.db, { userId: null, email }) };
}

/** Uses an erasure link: the address's links and mail traces go at once, and the erasure job takes its comments. */
export async function redeemGuestErasure(s: Services, token: string): Promise<ErasureStarted> {
  const id = await s.db.tx({ area: 'accounts' }, async (ex) => {
    const link = await redeemAccountToken(ex, s.config, guestActions.erase, token);
    const email = normalizeEmail(link.email);
    await ex.query(sql.deleteGuestTokens, [email]);
    for (const statement of sql.deleteEmailTraces) await ex.query(statement, [email]);
    const { rows } = await ex.query(sql.insertErasure, [null, email, [email]]);
    const erasureId = String(rows[0].id);
    await appendEvent(ex, { forumId: null, actor: 'public', event: makeEvent<GuestErasureRequested>('GuestErasureRequested', { erasureId }) });
    return erasureId;
  });
  return { id, status: 'running' };
}
