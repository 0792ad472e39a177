// The three powers in a forum (moderate, manage, manage roles), for every kind of credential:
// the shared key keeps its powers but manages no roles; an owner has the key's powers and roles;
// a moderator account moderates only; a role in one forum gives nothing in another; a user a
// site signed in holds no role, whatever the table says.
import t from 'tap';
import { actorOf, manages, managesRoles, moderates, requireManager, requireModerator, requireRoleManager, rolesFromRow, type Credential } from '@parley/access';
import type { User } from '@parley/domain';
import { throwsCode } from '../../domain/test/assert-code.ts';
import { aForum } from './fixtures.ts';

const account = (id: string, extra: Partial<User> = {}): User => ({ id, username: `u${id}`, createdAt: new Date(0), ...extra });
const user = (roles: string[], extra: Partial<User> = {}): Credential => {
  const u = account('3', extra);
  return { kind: 'user', user: u, roles: rolesFromRow(roles, u.ssoForumId), links: new Set() };
};

t.test('rolesFromRow reads "<forum>:<role>" and ignores anything else', async (t) => {
  t.same([...rolesFromRow(['7:owner', '8:moderator', '9:root', 'junk'], undefined)], [['7', 'owner'], ['8', 'moderator']]);
  t.equal(rolesFromRow(null, undefined).size, 0, 'no column (an older row shape): no roles');
  t.equal(rolesFromRow(['7:owner'], '7').size, 0, 'a user a site signed in holds none');
});

t.test('who moderates, manages, and manages roles in forum 7', async (t) => {
  const cases: [string, Credential, [boolean, boolean, boolean]][] = [
    ['admin', { kind: 'admin' }, [true, true, true]],
    ["forum 7's key", { kind: 'moderator', forum: aForum('7') }, [true, true, false]],
    ["forum 8's key", { kind: 'moderator', forum: aForum('8') }, [false, false, false]],
    ['owner of 7', user(['7:owner']), [true, true, true]],
    ['moderator of 7', user(['7:moderator']), [true, false, false]],
    ['owner of 8 only', user(['8:owner']), [false, false, false]],
    ['an account without roles', user([]), [false, false, false]],
    ["forum 7's own SSO user with an owner row", user(['7:owner'], { ssoForumId: '7' }), [false, false, false]],
    ['an edit token', { kind: 'edit', hash: Buffer.alloc(32) }, [false, false, false]],
    ['nobody', { kind: 'none' }, [false, false, false]],
  ];
  for (const [what, c, [mod, man, roles]] of cases) {
    t.same([moderates(c, '7'), manages(c, '7'), managesRoles(c, '7')], [mod, man, roles], what);
  }
});

t.test('the require* guards: 401 without a credential, 403 with the wrong one', async (t) => {
  for (const guard of [requireModerator, requireManager, requireRoleManager]) {
    throwsCode(t, () => guard({ kind: 'none' }, '7'), 'unauthorized', `${guard.name}: nobody`);
    throwsCode(t, () => guard(user(['8:owner']), '7'), 'forbidden', `${guard.name}: another forum's owner`);
  }
  t.doesNotThrow(() => requireModerator(user(['7:moderator']), '7'));
  throwsCode(t, () => requireManager(user(['7:moderator']), '7'), 'forbidden', 'a moderator does not change settings');
  throwsCode(t, () => requireRoleManager({ kind: 'moderator', forum: aForum('7') }, '7'), 'forbidden', 'the key manages no roles');
  throwsCode(t, () => requireRoleManager(user(['7:moderator']), '7'), 'forbidden', 'a moderator manages no roles');
});

t.test('a moderator account acts as itself in the log', async (t) => {
  t.same(actorOf(user(['7:moderator'])), { kind: 'user', userId: '3' });
});
