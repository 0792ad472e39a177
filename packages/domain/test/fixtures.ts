// Records for the view tests: one published post and one thread, overridable field by field.
import type { PostRecord, Thread } from '@parley/domain';

export const createdAt = new Date('2025-03-01T10:00:00.000Z');
export const editedAt = new Date('2025-03-01T10:05:00.000Z');

export function aPost(overrides: Partial<PostRecord> = {}): PostRecord {
  return {
    id: '42',
    threadId: '7',
    forumId: '3',
    parentId: '41',
    depth: 1,
    path: ['41', '42'],
    authorUserId: '9',
    authorName: 'Ada',
    message: 'secret *words*',
    html: '<p>secret <em>words</em></p>',
    status: 'approved',
    initialStatus: 'approved',
    prevStatus: null,
    moderationReasons: [],
    flagCount: 0,
    revision: 2,
    score: 5,
    replyCount: 0,
    notify: true,
    createdAt,
    editedAt,
    ...overrides,
  };
}

export function aThread(overrides: Partial<Thread> = {}): Thread {
  return {
    id: '7',
    forumId: '3',
    identifier: 'blog/hello',
    url: 'https://example.com/blog/hello',
    title: 'Hello',
    status: 'open',
    lastSeq: '12',
    postCount: 4,
    pendingCount: 1,
    createdAt,
    ...overrides,
  };
}
