// The widget's thread state, step by step: what each live event, each API answer and each page
// does to the comments shown, the "new comments" bar and, above all, the comment count. Events are
// shaped by the domain's own eventView for a public reader, as the realtime tier sends them (a
// pending or spam post arrives as `hidden`, a deleted one as a tombstone); answers by postView.
import t from 'tap';
import { eventView, makeEvent, postView, type EventType, type ParleyEvent, type PostRecord } from '../../../packages/domain/src/index.ts';
import { BURST, BURST_MS, initialState, step, type Action, type Change, type ThreadState } from '../src/thread-state.ts';

const createdAt = new Date('2026-12-01T10:00:00.000Z');

function record(id: string, overrides: Partial<PostRecord> = {}): PostRecord {
  const parentId = overrides.parentId ?? null;
  return {
    id,
    threadId: '7',
    forumId: '3',
    parentId,
    depth: parentId ? 1 : 0,
    path: parentId ? [parentId, id] : [id],
    authorUserId: null,
    authorName: `author of ${id}`,
    message: `comment ${id}`,
    html: `<p>comment ${id}</p>`,
    status: 'approved',
    initialStatus: 'approved',
    prevStatus: null,
    moderationReasons: [],
    flagCount: 0,
    revision: 1,
    score: 0,
    replyCount: 0,
    notify: false,
    createdAt,
    editedAt: null,
    ...overrides,
  };
}

const pending = (id: string, o: Partial<PostRecord> = {}) => record(id, { status: 'pending', initialStatus: 'pending', ...o });
/** the post as the API answers its author (or a reader listing published posts) */
const answer = (p: PostRecord) => postView(p, { moderator: true });
const publicView = (p: PostRecord) => postView(p, { moderator: false });

/**
 * One reader's widget: feeds actions through `step`, keeps the state, the page changes and a clock
 * that by default moves on further than a burst's window between live comments.
 */
class Widget {
  state: ThreadState = initialState;
  changes: Change[] = [];
  now = 1_000_000;
  gap = BURST_MS + 1;
  /** the server's last sequence number */
  serverSeq = 0;
  readonly own = new Set<string>();

  do(action: Action): Change[] {
    const r = step(this.state, action, { now: this.now, isOwn: (id) => this.own.has(id) });
    this.state = r.state;
    this.changes.push(...r.changes);
    return r.changes;
  }

  /** the thread as loaded: a first page of published posts and tombstones, and the thread's count */
  load(posts: PostRecord[], opts: { postCount?: number; morePages?: boolean } = {}): void {
    this.do({ type: 'cleared', seq: this.serverSeq });
    this.do({ type: 'page', posts: posts.map(publicView) });
    this.do({ type: 'opened', postCount: opts.postCount ?? posts.length, morePages: opts.morePages ?? false });
    this.changes = [];
  }

  /** the server logs an event; returns it as the public sees it, not yet delivered */
  logged(type: Exclude<EventType, 'VoteCast'>, p: PostRecord): Action {
    const event = makeEvent(type, p as never) as ParleyEvent;
    return { type: 'event', event: eventView(++this.serverSeq, createdAt, event, { moderator: false }) };
  }

  /** the server logs an event and the reader receives it */
  hear(type: Exclude<EventType, 'VoteCast'>, p: PostRecord): Change[] {
    this.now += this.gap;
    return this.do(this.logged(type, p));
  }

  vote(p: PostRecord): Change[] {
    const event = makeEvent('VoteCast', { post: p, value: 1, delta: 1 });
    return this.do({ type: 'event', event: eventView(++this.serverSeq, createdAt, event, { moderator: false }) });
  }

  get count(): number {
    return this.state.count;
  }
  get shown(): string[] {
    return [...this.state.shown.keys()];
  }
  get queued(): string[] {
    return this.state.queued.map((v) => v.id);
  }
}

const did = (changes: Change[]) => changes.map((c) => (c.do === 'place' ? `place ${c.post.id}${c.live ? ' live' : ''}` : c.do === 'redraw' ? `redraw ${c.post.id}` : c.do === 'remove' ? `remove ${c.id}` : 'clear'));

t.test('loading counts what is shown, or the thread when pages remain', async (t) => {
  const w = new Widget();
  w.serverSeq = 9;
  const changes = [
    ...w.do({ type: 'cleared', seq: 9 }),
    ...w.do({ type: 'page', posts: [record('1'), record('2', { status: 'deleted' }), record('3', { parentId: '2' })].map(publicView) }),
    ...w.do({ type: 'opened', postCount: 5, morePages: false }),
  ];
  t.strictSame(did(changes), ['clear', 'place 1', 'place 2', 'place 3'], 'a page is placed in list order, not live');
  t.equal(w.state.seq, 9, 'the live feed resumes after the thread as loaded');
  t.equal(w.count, 2, 'all pages loaded: the published comments shown (the tombstone not)');

  const paged = new Widget();
  paged.do({ type: 'page', posts: [record('1'), record('2')].map(publicView) });
  paged.do({ type: 'opened', postCount: 40, morePages: true });
  t.equal(paged.count, 40, "pages remain: the thread's own count");
  paged.do({ type: 'opened', postCount: 1, morePages: true });
  t.equal(paged.count, 2, 'but never fewer than are shown (the worker counts eventually)');

  const again = w.do({ type: 'page', posts: [record('1'), record('4')].map(publicView) });
  t.strictSame(did(again), ['place 4'], 'a later page skips comments already shown (a live one that came first)');
});

t.test('a published comment from someone else shows at once and counts', async (t) => {
  const w = new Widget();
  w.load([record('1')]);
  t.strictSame(did(w.hear('PostCreated', record('2'))), ['place 2 live']);
  t.equal(w.count, 2);
  t.equal(w.state.seq, 1);

  t.strictSame(did(w.hear('PostCreated', record('3', { parentId: '2' }))), ['place 3 live'], 'a reply under its parent');
  t.equal(w.count, 3);

  t.strictSame(did(w.hear('PostCreated', record('5', { parentId: '4' }))), [], 'a reply whose parent is not on the page is not shown');
  t.equal(w.count, 4, 'but counts: the count is the thread’s');
});

t.test('a pending comment reaches the public as "hidden": nothing shows, nothing counts', async (t) => {
  const w = new Widget();
  w.load([record('1')]);
  const changes = w.hear('PostCreated', pending('2'));
  t.strictSame(did(changes), []);
  t.equal(w.count, 1);
  t.equal(w.state.seq, 1, 'the sequence still moves on');
});

t.test("the author's own pending comment: shown to them, counted only once approved", async (t) => {
  const w = new Widget();
  w.load([]);
  const mine = pending('2');
  w.own.add('2');
  t.strictSame(did(w.do({ type: 'posted', post: answer(mine) })), ['place 2 live'], 'the author sees it at once');
  t.equal(w.count, 0, 'not published: not counted');

  t.strictSame(did(w.hear('PostCreated', mine)), [], 'its own event, hidden from the public, leaves it in place');
  t.same(w.shown, ['2']);
  t.equal(w.count, 0);

  t.strictSame(did(w.hear('PostApproved', { ...mine, status: 'approved', prevStatus: 'pending' })), ['redraw 2'], 'approved: redrawn without the note');
  t.equal(w.count, 1, 'and now counted');

  // a hidden event may be a shadow ban, which its author must not notice: their comment stays until a reload
  t.strictSame(did(w.hear('PostMarkedSpam', { ...mine, status: 'spam', prevStatus: 'approved' })), [], 'marked spam: it stays for its author until a reload');
  t.equal(w.count, 1);
});

t.test("a shadow-banned author's own comment: shown to them as published while the feed only says hidden", async (t) => {
  const w = new Widget();
  w.load([record('1')]);
  const mine = record('2', { status: 'shadowed', initialStatus: 'shadowed' });
  w.own.add('2');
  // the API answers its author as if it were published (own-post-view)
  t.strictSame(did(w.do({ type: 'posted', post: { ...publicView({ ...mine, status: 'approved' }) } })), ['place 2 live'], 'the author sees it at once');
  t.equal(w.count, 2, 'and counts it, as for a published comment');
  t.strictSame(did(w.hear('PostCreated', mine)), [], 'its own event, hidden from the public, leaves it in place');
  t.strictSame(did(w.hear('PostEdited', mine)), [], 'so does an edit');
  t.same(w.shown, ['1', '2']);
  t.equal(w.count, 2);

  const other = new Widget();
  other.load([record('1')]);
  t.strictSame(did(other.hear('PostCreated', mine)), [], 'another reader never shows it');
  t.same(other.shown, ['1']);
  t.equal(other.count, 1);
});

t.test("a published comment of the reader's that a moderator shadows: the public feed says hidden, it stays for them", async (t) => {
  const w = new Widget();
  w.load([record('1'), record('2')]);
  w.own.add('2');
  t.strictSame(did(w.hear('PostShadowed', record('2', { status: 'shadowed' }))), [], 'their own: in place, still counted');
  t.equal(w.count, 2);
  const other = new Widget();
  other.load([record('1'), record('2')]);
  t.strictSame(did(other.hear('PostShadowed', record('2', { status: 'shadowed' }))), ['remove 2'], "anyone else's widget takes it down");
  t.equal(other.count, 1);
});

t.test("a hidden event takes down someone else's comment (and keeps a tombstone for its replies)", async (t) => {
  const w = new Widget();
  w.load([record('1'), record('2'), record('3', { parentId: '2' })]);
  t.equal(w.count, 3);
  t.strictSame(did(w.hear('PostMarkedSpam', record('1', { status: 'spam' }))), ['remove 1']);
  t.equal(w.count, 2);
  const changes = w.hear('PostMarkedSpam', record('2', { status: 'spam' }));
  t.strictSame(did(changes), ['redraw 2'], 'with a reply shown: kept in place');
  const tomb = w.state.shown.get('2')!;
  t.strictSame([tomb.status, tomb.tombstone, tomb.author, tomb.html], ['deleted', true, null, ''], 'as a tombstone, nothing of its content');
  t.equal(w.count, 1);
  t.strictSame(did(w.hear('PostMarkedSpam', record('9', { status: 'spam' }))), [], 'a comment never shown: nothing to do');
  t.equal(w.count, 1);
});

t.test('approving a pending comment shows it to everyone else, counted once', async (t) => {
  const w = new Widget();
  w.load([]);
  w.hear('PostCreated', pending('2'));
  t.equal(w.count, 0);
  t.strictSame(did(w.hear('PostApproved', record('2', { prevStatus: 'pending' }))), ['place 2 live']);
  t.equal(w.count, 1);
});

t.test('edits and votes redraw a comment and leave the count alone', async (t) => {
  const w = new Widget();
  w.load([record('1'), record('2')]);
  t.strictSame(did(w.hear('PostEdited', record('1', { html: '<p>better</p>', revision: 2, editedAt: createdAt }))), ['redraw 1']);
  t.equal(w.state.shown.get('1')!.html, '<p>better</p>');
  t.strictSame(did(w.vote(record('2', { score: 1 }))), ['redraw 2']);
  t.equal(w.state.shown.get('2')!.score, 1);
  t.equal(w.count, 2);
  t.strictSame(did(w.hear('PostEdited', record('8'))), [], 'an edit of a comment not on the page does not bring it in');
  t.strictSame(did(w.vote(record('9'))), []);
  t.equal(w.count, 2, 'and does not count it');
  t.strictSame(did(w.do({ type: 'answered', post: answer(record('1', { score: -1 })) })), ['redraw 1'], 'the answer to our own vote or edit');
  t.equal(w.count, 2);
});

t.test('a deletion removes a comment, or leaves a tombstone while it has replies; restore brings it back', async (t) => {
  const w = new Widget();
  w.load([record('1'), record('2'), record('3', { parentId: '2' })]);
  t.strictSame(did(w.hear('PostDeleted', record('1', { status: 'deleted' }))), ['remove 1'], 'no replies: removed');
  t.equal(w.count, 2);
  t.strictSame(did(w.hear('PostDeleted', record('2', { status: 'deleted' }))), ['redraw 2'], 'with a reply: a tombstone');
  t.equal(w.state.shown.get('2')!.tombstone, true);
  t.equal(w.count, 1);

  t.strictSame(did(w.hear('PostRestored', record('2', { prevStatus: 'deleted' }))), ['redraw 2'], 'the tombstone is restored in place');
  t.equal(w.state.shown.get('2')!.html, '<p>comment 2</p>');
  t.equal(w.count, 2);
  t.strictSame(did(w.hear('PostRestored', record('1', { prevStatus: 'deleted' }))), ['place 1 live'], 'a removed one comes back as new');
  t.equal(w.count, 3);

  w.hear('PostDeleted', record('2', { status: 'deleted' }));
  t.strictSame(did(w.hear('PostDeleted', record('3', { status: 'deleted', parentId: '2' }))), ['remove 3'], 'its last reply goes');
  t.equal(w.count, 1);
  t.same(w.shown, ['2', '1'], 'the tombstone stays (as it would after a reload of the page)');
});

t.test('our own deletion counts the comment out once, whichever comes first: answer or event', async (t) => {
  const answerFirst = new Widget();
  answerFirst.load([record('1'), record('2')]);
  answerFirst.own.add('2');
  const deleted = record('2', { status: 'deleted' });
  t.strictSame(did(answerFirst.do({ type: 'deleted', post: answer(deleted) })), ['remove 2']);
  t.equal(answerFirst.count, 1);
  t.strictSame(did(answerFirst.hear('PostDeleted', deleted)), []);
  t.equal(answerFirst.count, 1, 'its event does not count it out again');

  const eventFirst = new Widget();
  eventFirst.load([record('1'), record('2'), record('3', { parentId: '2' })]);
  eventFirst.own.add('2');
  eventFirst.hear('PostDeleted', deleted);
  t.equal(eventFirst.count, 2);
  t.strictSame(did(eventFirst.do({ type: 'deleted', post: answer(deleted) })), ['redraw 2'], 'the answer redraws the tombstone');
  t.equal(eventFirst.count, 2, 'the answer does not count it out again');
});

t.test('our own new comment counts once, whichever comes first: answer or event', async (t) => {
  const answerFirst = new Widget();
  answerFirst.load([record('1')]);
  answerFirst.own.add('2');
  t.strictSame(did(answerFirst.do({ type: 'posted', post: answer(record('2')) })), ['place 2 live']);
  t.equal(answerFirst.count, 2);
  t.strictSame(did(answerFirst.hear('PostCreated', record('2'))), ['redraw 2'], 'its event redraws it');
  t.equal(answerFirst.count, 2);

  const eventFirst = new Widget();
  eventFirst.load([record('1')]);
  eventFirst.hear('PostCreated', record('2'));
  t.equal(eventFirst.count, 2);
  eventFirst.own.add('2');
  t.strictSame(did(eventFirst.do({ type: 'posted', post: answer(record('2')) })), ['redraw 2']);
  t.equal(eventFirst.count, 2);
  t.same(eventFirst.shown, ['1', '2'], 'shown once');
});

t.test('our own reply to a comment that left the page meanwhile shows at the top level', async (t) => {
  const w = new Widget();
  w.load([record('1')]);
  w.hear('PostDeleted', record('1', { status: 'deleted' }));
  w.own.add('2');
  const changes = w.do({ type: 'posted', post: answer(record('2', { parentId: '1' })) });
  t.strictSame(did(changes), ['place 2 live']);
  t.equal(changes[0].do === 'place' && changes[0].post.parentId, null);
  t.equal(w.count, 1);
});

t.test('during a burst comments from others wait for the bar, counted; the reader’s own do not wait', async (t) => {
  const w = new Widget();
  w.load([]);
  w.gap = 10;
  const ids = ['1', '2', '3', '4', '5'];
  for (const id of ids) w.hear('PostCreated', record(id));
  t.same(w.shown, ids.slice(0, BURST), `the first ${BURST} show`);
  t.same(w.queued, ids.slice(BURST), 'the rest wait');
  t.equal(w.count, 5, 'all are counted');

  w.hear('PostEdited', record('4', { html: '<p>edited</p>' }));
  t.equal(w.state.queued[0].html, '<p>edited</p>', 'an edit of a waiting comment updates it');
  w.vote(record('4', { score: 1 }));
  t.equal(w.count, 5, 'edits and votes leave the count alone');

  w.hear('PostMarkedSpam', record('5', { status: 'spam' }));
  t.same(w.queued, ['4'], 'a waiting comment hidden meanwhile leaves the queue');
  t.equal(w.count, 4, 'and the count');

  w.own.add('6');
  t.strictSame(did(w.hear('PostCreated', record('6'))), ['place 6 live'], 'our own comment shows at once');
  t.strictSame(did(w.hear('PostCreated', record('7'))), [], 'while others still wait');
  t.same(w.queued, ['4', '7']);
  t.equal(w.count, 6);

  const flushed = w.do({ type: 'flushed' });
  t.strictSame(did(flushed), ['place 4 live', 'place 7 live'], 'the bar shows them, in order');
  t.same(w.queued, []);
  t.same(w.state.arrivals, [], 'and the burst is over');
  t.equal(w.count, 6, 'showing them counts nothing twice');
});

t.test('a comment of ours that was held in the queue before its answer came shows once, counted once', async (t) => {
  const w = new Widget();
  w.load([]);
  w.gap = 10;
  for (const id of ['1', '2', '3', '4']) w.hear('PostCreated', record(id));
  w.hear('PostCreated', record('5')); // ours, but its event beat the answer that tells us so
  t.same(w.queued, ['4', '5']);
  t.equal(w.count, 5);
  w.own.add('5');
  t.strictSame(did(w.do({ type: 'posted', post: answer(record('5')) })), ['place 5 live']);
  t.same(w.queued, ['4']);
  t.equal(w.count, 5);
});

t.test('a later burst starts a new window', async (t) => {
  const w = new Widget();
  w.load([]);
  w.gap = 10;
  for (const id of ['1', '2', '3']) w.hear('PostCreated', record(id));
  w.gap = BURST_MS + 1;
  w.hear('PostCreated', record('4'));
  t.same(w.queued, [], 'comments far enough apart never wait');
});

t.test('"load more" may list a waiting comment; the bar does not show it twice', async (t) => {
  const w = new Widget();
  w.load([], { postCount: 0, morePages: true });
  w.gap = 10;
  for (const id of ['1', '2', '3', '4']) w.hear('PostCreated', record(id));
  t.same(w.queued, ['4']);
  w.do({ type: 'page', posts: [publicView(record('4'))] });
  t.strictSame(did(w.do({ type: 'flushed' })), []);
  t.same(w.shown, ['1', '2', '3', '4']);
});

t.test('an event already applied (a replay, a duplicate) changes nothing', async (t) => {
  const w = new Widget();
  w.load([record('1'), record('2', { status: 'deleted' }), record('3', { parentId: '2' })]);
  const created = w.logged('PostCreated', record('4'));
  const deleted = w.logged('PostDeleted', record('1', { status: 'deleted' }));
  const restored = w.logged('PostRestored', record('2'));
  for (const a of [created, deleted, restored]) w.do(a);
  t.equal(w.count, 3);
  const before = w.state;
  for (const a of [created, deleted, restored, restored]) t.strictSame(did(w.do(a)), [], `seq ${(a as { event: { seq: number } }).event.seq} again`);
  t.equal(w.state.count, before.count, 'the count is as it was');
  t.equal(w.state.seq, before.seq);
  t.same(w.shown, [...before.shown.keys()]);

  const reloaded = new Widget();
  reloaded.serverSeq = 5;
  reloaded.load([record('1')]);
  t.strictSame(did(reloaded.do({ type: 'event', event: { seq: 5, type: 'PostCreated', at: '2026-12-01T00:00:00.000Z', post: publicView(record('2')) } })), [], 'an event the loaded page already includes');
  t.equal(reloaded.count, 1);
});

t.test('events about no comment only move the sequence on', async (t) => {
  const w = new Widget();
  w.load([record('1')]);
  w.do({ type: 'event', event: { seq: 1, type: 'ThreadCreated', at: '2026-12-01T00:00:00.000Z' } });
  t.equal(w.state.seq, 1);
  t.equal(w.count, 1);
});

t.test('the count never goes below zero', async (t) => {
  // a count behind what is shown (the worker counts eventually): removals stop at zero
  const behind: ThreadState = { ...initialState, count: 0, shown: new Map([['1', publicView(record('1'))]]) };
  const event = eventView(1, createdAt, makeEvent('PostDeleted', record('1', { status: 'deleted' })), { moderator: false });
  const r = step(behind, { type: 'event', event }, { now: 0, isOwn: () => false });
  t.strictSame(did(r.changes), ['remove 1']);
  t.equal(r.state.count, 0);
});

t.test('a step leaves the state it was given as it was', async (t) => {
  const w = new Widget();
  w.load([record('1'), record('2', { parentId: '1' })]);
  w.gap = 10;
  for (const id of ['3', '4', '5', '6']) w.hear('PostCreated', record(id));
  const given = w.state;
  const copy = { ...given, shown: new Map(given.shown), queued: [...given.queued], arrivals: [...given.arrivals] };
  for (const a of [w.logged('PostDeleted', record('1', { status: 'deleted' })), w.logged('PostCreated', record('7')), { type: 'flushed' } as const, { type: 'cleared', seq: 99 } as const]) {
    step(given, a, { now: w.now, isOwn: () => false });
  }
  t.strictSame(given, copy);
});
