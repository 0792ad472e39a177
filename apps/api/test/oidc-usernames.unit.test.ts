// The username a new OpenID Connect account gets: the provider's handle, name or address made to
// fit the username rule, then the same with a random suffix for when it is taken.
import t from 'tap';
import { usernamePattern } from '@parley/domain';
import { usernames } from '../src/commands/oidc.ts';

t.test('made from what the provider says', async (t) => {
  t.equal(usernames({ preferredUsername: 'ada', name: 'Ada Lovelace' })[0], 'ada', 'the handle first');
  t.equal(usernames({ name: 'Ada Lovelace' })[0], 'Ada_Lovelace', 'else the name');
  t.equal(usernames({ name: 'Zoë Ångström' })[0], 'Zoe_Angstrom', 'accents dropped, not the letters');
  t.equal(usernames({ email: 'grace.hopper@example.com' })[0], 'grace_hopper', 'else the address\'s local part');
  t.equal(usernames({ name: '李小龍' })[0], 'reader', 'nothing usable: a neutral name');
  t.equal(usernames({})[0], 'reader');
  t.equal(usernames({ name: 'x'.repeat(80) })[0].length, 24, 'short enough to take a suffix');
});

t.test('every candidate fits the rule, and the fallbacks differ', async (t) => {
  for (const id of [{ name: 'Ada Lovelace' }, { name: '__--x--__' }, { preferredUsername: 'a'.repeat(64) }, {}]) {
    const all = usernames(id);
    t.equal(all.length, 6);
    for (const u of all) t.match(u, usernamePattern, `${u} is a valid username`);
    t.equal(new Set(all).size, all.length, 'no candidate twice');
    t.match(all[1], new RegExp(`^${all[0]}-[a-z0-9]{5}$`), 'the base with a suffix');
  }
});
