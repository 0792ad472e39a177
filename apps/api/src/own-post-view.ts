// What the author of a comment is answered after writing it: the comment whatever its status
// (they see their own pending comment), but not why the rules held it; the reasons name
// blocklist terms and ban kinds, which only the forum's moderators may read.
import { moderates, type Credential } from '@parley/access';
import { postView, type PostRecord, type PostView } from '@parley/domain';
import type { FastifyRequest } from 'fastify';
import type { WriteClient } from './commands/moderation-judge.ts';

export function ownPostView(post: PostRecord, cred: Credential): PostView {
  const view = postView(post, { moderator: true });
  if (moderates(cred, post.forumId)) return view;
  const { moderation: _moderatorsOnly, ...forAuthor } = view;
  // a shadow ban the author must not be able to tell: their shadowed comment looks published
  return forAuthor.status === 'shadowed' ? { ...forAuthor, status: 'approved' } : forAuthor;
}

/** Where a write came from: req.ip honours X-Forwarded-For only with PARLEY_TRUST_PROXY (app.ts). */
export const writeClient = (req: FastifyRequest): WriteClient => ({ ip: req.ip, userAgent: req.headers['user-agent'] });
