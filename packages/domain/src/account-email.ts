// Account emails: a one-time link mailed to an address (verify it, reset a password, ...).
//
// How it travels: a write that needs one inserts an `account_tokens` row (a random id, the kind,
// the user or address, an expiry) and appends `AccountEmailRequested` (forumId null) in the same
// transaction. The worker's `account-emails` handler enqueues one `parley.account-email` job per
// event; that queue signs the link and sends it at most once (account_email_log). The link is
// `<publicUrl><path>#token=<id>.<HMAC-SHA256(PARLEY_SECRET, purpose "." id)>`: the secret-derived
// half exists only in the mail, and the fragment never reaches a server log. The API verifies the
// HMAC in constant time and uses the row once (a conditional UPDATE on used_at and expires_at).
//
// To add a kind (a moderator invite, a guest's personal-data link):
//   1. add it to `accountEmailKinds` and give it a `accountEmailLinks` entry below: the page or
//      route on the API origin the link opens (it reads `#token=` and POSTs it);
//   2. add its template in apps/worker/src/email/account-templates.ts (the compiler asks for it);
//   3. in your command, insert the row and the event with `requestAccountEmail` (packages/data
//      account-email.ts), and redeem the token with `redeemAccountToken` (apps/api
//      commands/account-email.ts), which checks the HMAC with the kind's own purpose, so a link of
//      one kind never opens another.

export const accountEmailKinds = ['verify_email', 'password_reset', 'forum_invite', 'guest_export', 'guest_erasure'] as const;
export type AccountEmailKind = (typeof accountEmailKinds)[number];

/** Where each kind's link points on the API origin; the token follows in the fragment. */
export const accountEmailLinks: { readonly [K in AccountEmailKind]: string } = {
  verify_email: '/account/verify',
  password_reset: '/account/reset',
  // an owner's invitation to a role in a forum (apps/api commands/invites.ts)
  forum_invite: '/account/invite',
  // a guest's personal data: the comments under the address, exported or erased (apps/api commands/personal-data-guest.ts)
  guest_export: '/personal-data/export',
  guest_erasure: '/personal-data/erase',
};

/** The HMAC label of a kind: a token signed for one kind never verifies as another. */
export const accountEmailPurpose = (kind: AccountEmailKind): string => `parley.account.${kind}.v1`;

export const isAccountEmailKind = (k: string): k is AccountEmailKind => (accountEmailKinds as readonly string[]).includes(k);

/** The snapshot of `AccountEmailRequested`: never the link, only the id of its row. */
export interface AccountEmailRequest {
  kind: AccountEmailKind;
  /** account_tokens.id */
  tokenId: string;
  /** the account it is about (null for a guest's address) */
  userId: string | null;
  /** the recipient */
  email: string;
  /** the name the mail greets (a username, a guest's name) */
  name: string;
  expiresAt: Date;
  /** the forum it is about, if any (an invite) */
  forumId: string | null;
  /** what the kind's template shows besides (a forum's name, a role): never secret */
  details?: Record<string, string>;
}
