import t from 'tap';
import { checkOrigin, checkSubscriptionOrigin, originAllowed } from '@parley/access';
import { throwsCode } from '../../domain/test/assert-code.ts';
import { aForum } from './fixtures.ts';

const GOOD = 'https://good.example';
const listing = aForum('1', [GOOD, 'http://localhost:8080']);
const open = aForum('2');

t.test('the list: exact origins only, or any when it is empty', async (t) => {
  t.ok(originAllowed(listing, GOOD));
  t.ok(originAllowed(listing, 'http://localhost:8080'));
  t.notOk(originAllowed(listing, 'https://evil.example'));
  t.notOk(originAllowed(listing, 'https://good.example.evil.example'), 'no prefix match');
  t.notOk(originAllowed(listing, 'https://good.example/'), 'no normalising');
  t.notOk(originAllowed(listing, undefined), 'no Origin is never listed');
  t.ok(originAllowed(open, 'https://evil.example'), 'an empty list takes any origin');
  t.ok(originAllowed(open, undefined), 'and none');
});

t.test('an HTTP write: an unlisted page is refused, a server (no Origin) is not', async (t) => {
  t.doesNotThrow(() => checkOrigin(listing, GOOD));
  t.doesNotThrow(() => checkOrigin(listing, undefined), 'no Origin: a server-side integration');
  const err = throwsCode(t, () => checkOrigin(listing, 'https://evil.example'), 'origin_not_allowed');
  t.same(err?.details, { origin: 'https://evil.example' }, 'the refused origin in details');
  t.equal((err?.details?.origin as string).length, 'https://evil.example'.length);
  t.equal((throwsCode(t, () => checkOrigin(listing, 'x'.repeat(1000)), 'origin_not_allowed')?.details?.origin as string).length, 200, 'cut to 200');
  t.doesNotThrow(() => checkOrigin(open, 'https://evil.example'));
});

t.test('a realtime subscription: a listed page, or a moderator from anywhere', async (t) => {
  t.doesNotThrow(() => checkSubscriptionOrigin(listing, GOOD, false));
  const evil = throwsCode(t, () => checkSubscriptionOrigin(listing, 'https://evil.example', false), 'origin_not_allowed');
  t.match(evil?.message, /not from https:\/\/evil\.example/, 'the message names the origin');
  const none = throwsCode(t, () => checkSubscriptionOrigin(listing, undefined, false), 'origin_not_allowed', 'no Origin and no key: refused');
  t.match(none?.message, /without an Origin/);
  t.doesNotThrow(() => checkSubscriptionOrigin(listing, 'https://evil.example', true), 'a moderator from an unlisted page');
  t.doesNotThrow(() => checkSubscriptionOrigin(listing, undefined, true), 'a moderator without Origin (a server)');
  t.doesNotThrow(() => checkSubscriptionOrigin(open, undefined, false), 'an empty list: anyone');
});
