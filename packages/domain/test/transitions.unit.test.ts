import t from 'tap';
import {
  canTransition,
  editableStatuses,
  initialStatus,
  moderationActions,
  placeReply,
  postStatuses,
  transitions,
  votableStatuses,
  type ModerationAction,
  type PostStatus,
} from '@parley/domain';

// The expected table, written out independently of the source: action -> statuses it may start from.
const allowedFrom: Record<ModerationAction, PostStatus[]> = {
  approve: ['pending', 'spam', 'shadowed'],
  spam: ['pending', 'approved', 'shadowed'],
  delete: ['pending', 'approved', 'spam', 'shadowed'],
  restore: ['deleted'],
  hold: ['approved'],
  shadow: ['approved', 'pending'],
};
const outcome: Record<ModerationAction, { to: PostStatus; event: string }> = {
  approve: { to: 'approved', event: 'PostApproved' },
  spam: { to: 'spam', event: 'PostMarkedSpam' },
  delete: { to: 'deleted', event: 'PostDeleted' },
  restore: { to: 'approved', event: 'PostRestored' },
  hold: { to: 'pending', event: 'PostHeld' },
  shadow: { to: 'shadowed', event: 'PostShadowed' },
};

t.test('the moderation actions are exactly approve, spam, delete, restore, hold, shadow', async (t) => {
  t.strictSame([...moderationActions].sort(), ['approve', 'delete', 'hold', 'restore', 'shadow', 'spam']);
  t.strictSame([...postStatuses].sort(), ['approved', 'deleted', 'pending', 'shadowed', 'spam']);
});

for (const action of Object.keys(allowedFrom) as ModerationAction[]) {
  t.test(`when a moderator does "${action}"`, async (t) => {
    for (const from of postStatuses) {
      const allowed = allowedFrom[action].includes(from);
      t.equal(canTransition(action, from), allowed, `given a ${from} post, ${action} is ${allowed ? 'allowed' : 'refused'}`);
    }
    t.strictSame([...transitions[action].from].sort(), [...allowedFrom[action]].sort(), `the SQL guard for ${action} lists the same statuses`);
    t.equal(transitions[action].to, outcome[action].to, `then the post is ${outcome[action].to}`);
    t.equal(transitions[action].event, outcome[action].event, `then ${outcome[action].event} is recorded`);
  });
}

t.test('no action leaves a post where it was', async (t) => {
  for (const action of moderationActions) {
    t.notOk(canTransition(action, transitions[action].to), `${action} cannot start from ${transitions[action].to}`);
  }
});

t.test('a deleted post can only be restored, and comes back published', async (t) => {
  t.strictSame(moderationActions.filter((a) => canTransition(a, 'deleted')), ['restore']);
  t.equal(transitions.restore.to, 'approved');
});

t.test('authors edit only pending or published posts (a shadowed post looks published to its author)', async (t) => {
  t.strictSame([...editableStatuses].sort(), ['approved', 'pending', 'shadowed']);
  t.notOk(editableStatuses.includes('spam'), 'spam is frozen');
  t.notOk(editableStatuses.includes('deleted'), 'deleted is frozen');
});

t.test('votes count only on published posts', async (t) => {
  t.strictSame([...votableStatuses], ['approved']);
});

t.test('initialStatus: pre-moderation holds back everyone but moderators', async (t) => {
  t.equal(initialStatus({ preModeration: false, byModerator: false }), 'approved', 'given no pre-moderation, a guest post is published');
  t.equal(initialStatus({ preModeration: false, byModerator: true }), 'approved', 'given no pre-moderation, a moderator post is published');
  t.equal(initialStatus({ preModeration: true, byModerator: false }), 'pending', 'given pre-moderation, a guest post waits');
  t.equal(initialStatus({ preModeration: true, byModerator: true }), 'approved', 'given pre-moderation, a moderator post is published');
});

t.test('placeReply', async (t) => {
  const chain = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

  t.test('given no parent, the post is top-level', async (t) => {
    t.strictSame(placeReply([], 6), { parentId: null, depth: 0, ancestors: [] });
  });

  t.test('given a top-level parent, the reply sits under it at depth 1', async (t) => {
    t.strictSame(placeReply(['10'], 6), { parentId: '10', depth: 1, ancestors: ['10'] });
  });

  t.test('given a parent below maxDepth, the reply sits under it', async (t) => {
    // parent at depth 4 (path of 5), maxDepth 6
    t.strictSame(placeReply(chain(5), 6), { parentId: '5', depth: 5, ancestors: chain(5) });
    // parent at depth maxDepth - 1: the reply lands exactly at maxDepth, still under its parent
    t.strictSame(placeReply(chain(6), 6), { parentId: '6', depth: 6, ancestors: chain(6) });
  });

  t.test('given a parent at exactly maxDepth, the reply attaches to its ancestor at maxDepth - 1', async (t) => {
    const parentPath = chain(7); // parent '7' at depth 6
    const placed = placeReply(parentPath, 6);
    t.equal(placed.parentId, '6', 'attaches to the depth-5 ancestor');
    t.equal(placed.depth, 6, 'shows at maxDepth, beside its would-be parent');
    t.strictSame(placed.ancestors, chain(6));
  });

  t.test('given a chain far deeper than maxDepth, the reply still lands at maxDepth', async (t) => {
    const placed = placeReply(chain(40), 6);
    t.strictSame(placed, { parentId: '6', depth: 6, ancestors: chain(6) });
    t.equal(placed.depth, placed.ancestors.length, 'depth is the number of ancestors');
  });

  t.test('given maxDepth 0, everything is top-level', async (t) => {
    for (const n of [0, 1, 2, 10]) {
      t.strictSame(placeReply(chain(n), 0), { parentId: null, depth: 0, ancestors: [] }, `parent path of ${n}`);
    }
  });

  t.test('given maxDepth 1, replies to replies flatten onto the root', async (t) => {
    t.strictSame(placeReply(['1'], 1), { parentId: '1', depth: 1, ancestors: ['1'] }, 'reply to a root');
    t.strictSame(placeReply(['1', '2'], 1), { parentId: '1', depth: 1, ancestors: ['1'] }, 'reply to a depth-1 reply');
    t.strictSame(placeReply(chain(5), 1), { parentId: '1', depth: 1, ancestors: ['1'] }, 'reply to a deep reply');
  });

  t.test('the parent path given is not modified and not shared', async (t) => {
    const parentPath = chain(8);
    const placed = placeReply(parentPath, 6);
    t.strictSame(parentPath, chain(8));
    placed.ancestors.push('x');
    t.strictSame(parentPath, chain(8));
  });
});
