// A `parley.email` job: everything needed to write one reply email, taken from the reply's
// snapshot at the moment it was published (an edit afterwards does not change a queued email).
export interface ReplyEmailJob {
  v: 1;
  /** the publishing event: the email log's key, with the recipient */
  eventId: string;
  replyId: string;
  parentId: string;
  threadId: string;
  /** the parent author's address as stored */
  to: string;
  toName: string;
  /** the replier's display name */
  replier: string;
  /** the reply's source text and its sanitized HTML */
  text: string;
  html: string;
  thread: { title: string | null; url: string | null };
  /** when the reply was published (ISO) */
  at: string;
}
