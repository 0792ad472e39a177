// A `parley.account-email` job: one account email, from its AccountEmailRequested event. It holds
// the link's row id, never the link: the queue signs it (PARLEY_SECRET) when it writes the mail.
import type { AccountEmailKind } from '@parley/domain';

export interface AccountEmailJob {
  v: 1;
  /** the event: the account email log's key */
  eventId: string;
  kind: AccountEmailKind;
  tokenId: string;
  userId: string | null;
  to: string;
  name: string;
  /** when the link stops working (ISO) */
  expiresAt: string;
  forumId: string | null;
  details: Record<string, string>;
}
