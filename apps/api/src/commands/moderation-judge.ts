// A new comment's or an edit's verdict, reached before the write's transaction: the forum's rules
// (the pure pipeline, on facts gathered by moderation-facts.ts), then Akismet when the forum asks
// for it and the rules let the comment through, then forum-wide pre-moderation. A rejection
// throws its 4xx here, so nothing is written. Moderators' own comments are not judged.
import { canonicalAddress, ParleyError, renderMessage, runPipeline, type Forum, type PostStatus, type Reason } from '@parley/domain';
import { akismetConfigured, askAkismet } from '../akismet.ts';
import type { Services } from '../services.ts';
import { gatherFacts, type FactsRequest } from './moderation-facts.ts';

/** Where a write came from: the client address (req.ip: X-Forwarded-For only with PARLEY_TRUST_PROXY) and its user agent. */
export interface WriteClient {
  ip?: string;
  userAgent?: string;
}

/** An address Postgres' inet and the ban checks take (IPv4-mapped ones as IPv4), or null (a proxy may forward anything). */
export const clientAddress = (c: WriteClient | undefined): string | null => canonicalAddress(c?.ip);

export interface Verdict {
  status: Exclude<PostStatus, 'deleted'>;
  reasons: Reason[];
  /** the text to store (masked words replaced) and its rendering */
  message: string;
  html: string;
}

export interface JudgeRequest extends Omit<FactsRequest, 'settings' | 'forumId' | 'author'> {
  forum: Forum;
  author: { userId: string | null; name: string; email: string | null };
  writeClient?: WriteClient;
}

const preModerationReason: Reason = { phase: 'preModeration', code: 'pre_moderation', detail: 'the forum holds every new comment for a moderator' };

export async function judgeComment(s: Services, r: JudgeRequest): Promise<Verdict> {
  const settings = r.forum.settings.moderation;
  const ip = clientAddress(r.writeClient);
  const ctx = await gatherFacts(s, { ...r, forumId: r.forum.id, settings, author: { userId: r.author.userId, email: r.author.email, ip } });
  const outcome = runPipeline(ctx, settings);
  if (outcome.status === 'rejected') throw new ParleyError(outcome.rejectCode!);
  const message = outcome.maskedText ?? r.text;
  const html = outcome.maskedText === undefined ? r.html : renderMessage(outcome.maskedText);
  let status: Verdict['status'] = outcome.status;
  const reasons = [...outcome.reasons];
  // the outside check only for comments the rules would publish or hold: spam is spam already,
  // and a shadow-banned author's comment is seen by nobody else
  if (settings.akismet.enabled && akismetConfigured(s.config) && (status === 'approved' || status === 'pending')) {
    const answer = await askAkismet(s.config, {
      siteUrl: r.forum.settings.allowedOrigins[0] ?? s.config.publicUrl,
      text: message,
      author: { name: r.author.name, email: r.author.email, ip, userAgent: r.writeClient?.userAgent },
    });
    if (answer.verdict !== 'ham') reasons.push(answer.reason);
    if (answer.verdict === 'spam') status = 'spam';
    if (answer.verdict === 'unavailable') status = 'pending';
  }
  if (status === 'approved' && r.forum.settings.preModeration && !r.edit) {
    status = 'pending';
    reasons.push(preModerationReason);
  }
  return { status, reasons, message, html };
}
