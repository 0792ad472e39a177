// The scrub rule of an erasure (docs/adr/0011): given snapshots, what is left of the person.
import t from 'tap';
import { ERASED_AUTHOR_NAME, scrubSnapshot } from '@parley/domain';
import { aPost, createdAt } from './fixtures.ts';

const subject = { userId: '9', values: ['Ada', 'ada@example.com', 'https://pics.example/ada.png'] };

t.test('a post of the subject loses its author, and its text when the forum removes', async (t) => {
  const post = aPost({ authorName: 'Ada Before Rename' });
  const kept = scrubSnapshot(post, subject, { postsOfSubject: new Set(['42']) }) as typeof post;
  t.equal(kept.authorName, ERASED_AUTHOR_NAME, 'an old name goes too: the record is hers');
  t.equal(kept.authorUserId, null);
  t.equal(kept.message, post.message, 'anonymize keeps the text');
  t.equal(kept.id, '42');
  t.equal(kept.createdAt, createdAt, 'dates pass through');
  const removed = scrubSnapshot({ post, value: 1, delta: 1 }, subject, { postsOfSubject: new Set(['42']), removeContent: true }) as { post: typeof post };
  t.match(removed.post, { message: '', html: '', authorName: ERASED_AUTHOR_NAME }, 'inside a vote\'s snapshot too');
  t.equal(post.authorName, 'Ada Before Rename', 'the input is not changed');
});

t.test('account events lose every value of the subject; identifiers and other people stay', async (t) => {
  const user = scrubSnapshot({ id: '9', username: 'ADA', avatarUrl: 'https://pics.example/ada.png', createdAt }, subject);
  t.same(user, { id: '9', username: ERASED_AUTHOR_NAME, avatarUrl: null, createdAt });
  const mail = scrubSnapshot({ kind: 'verify_email', tokenId: 'ada', userId: '9', email: 'Ada@Example.com ', name: 'Ada', forumId: null }, subject);
  t.same(mail, { kind: 'verify_email', tokenId: 'ada', userId: '9', email: null, name: ERASED_AUTHOR_NAME, forumId: null }, 'an id equal to a value is not a value');
  const other = { id: '10', username: 'bob', email: 'bob@example.com' };
  t.equal(scrubSnapshot(other, subject), other, 'nothing of hers: the very same object (nothing to write)');
  const namesake = { id: '11', username: 'ada', ssoForumId: '3', createdAt };
  t.equal(scrubSnapshot(namesake, subject), namesake, 'another person of the same name keeps it: a name alone names nobody');
  t.same(scrubSnapshot({ note: 'ada@example.com' }, subject), { note: ERASED_AUTHOR_NAME }, 'her address goes wherever it is');
});

t.test('a guest: their posts by id, a mail to their address by the address', async (t) => {
  const guest = { userId: null, values: ['gus@example.com', 'Gus'] };
  t.same(scrubSnapshot(aPost({ authorUserId: null, authorName: 'Gus' }), guest, { postsOfSubject: new Set(['42']) }), aPost({ authorUserId: null, authorName: ERASED_AUTHOR_NAME }));
  const notHis = aPost({ id: '43', authorUserId: null, authorName: 'Gus' });
  t.equal(scrubSnapshot(notHis, guest, { postsOfSubject: new Set(['42']) }), notHis, 'another guest who signs "Gus" is not him');
  const mail = scrubSnapshot({ kind: 'guest_export', tokenId: 'x', userId: null, email: 'GUS@example.com', name: 'Gus' }, guest);
  t.same(mail, { kind: 'guest_export', tokenId: 'x', userId: null, email: null, name: ERASED_AUTHOR_NAME });
});
