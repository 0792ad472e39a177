// Where a user a site signed in takes part (checkUserForum): its own forum, and those the admin
// linked it to; a link grants no role. A Parley account takes part everywhere.
import t from 'tap';
import { checkUserForum, moderates, type Credential } from '@parley/access';
import type { User } from '@parley/domain';
import { throwsCode } from '../../domain/test/assert-code.ts';

const user = (extra: Partial<User>, links: string[] = []): Credential => ({
  kind: 'user', user: { id: '3', username: 'u3', createdAt: new Date(0), ...extra }, roles: new Map(), links: new Set(links),
});

t.test("a site's user: its own forum and the linked ones only", async (t) => {
  const sso = user({ ssoForumId: '7' }, ['8']);
  t.doesNotThrow(() => checkUserForum(sso, '7'), 'its own forum');
  t.doesNotThrow(() => checkUserForum(sso, '8'), 'a forum the admin linked it to');
  throwsCode(t, () => checkUserForum(sso, '9'), 'forbidden', 'any other forum');
  throwsCode(t, () => checkUserForum(user({ ssoForumId: '7' }), '8'), 'forbidden', 'unlinked');
  t.notOk(moderates(sso, '8'), 'a link is no role');
});

t.test('a Parley account and other credentials are not fenced', async (t) => {
  t.doesNotThrow(() => checkUserForum(user({}), '9'));
  t.doesNotThrow(() => checkUserForum({ kind: 'admin' }, '9'));
  t.doesNotThrow(() => checkUserForum({ kind: 'none' }, '9'));
});
