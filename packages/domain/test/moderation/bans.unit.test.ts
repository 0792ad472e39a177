import t from 'tap';
import { bansPhase, canonicalAddress, type Ban, type ModerationContext } from '@parley/domain';
import { aContext, now, settingsWith } from './context.ts';

const ban = (kind: Ban['kind'], value: string, expiresAt: Date | null = null): Ban => ({ kind, value, expiresAt, reason: `no ${kind}` });
const run = (bans: Ban[], ctx: Partial<ModerationContext> = {}) => bansPhase.run(aContext({ bans, ...ctx }), settingsWith());
const rejected = (d: ReturnType<typeof run>) => d.action === 'reject' && d.code === 'author_banned';

t.test('given no ban that concerns the author, then the comment passes', async (t) => {
  t.strictSame(run([]), { action: 'pass' });
  t.strictSame(run([ban('user', '10'), ban('email', 'eve@example.org'), ban('ip', '203.0.113.8'), ban('range', '198.51.100.0/24')]), { action: 'pass' });
});

t.test('given a banned account, then the comment is rejected with author_banned and the ban reason for moderators', async (t) => {
  t.match(run([ban('user', '9')]), { action: 'reject', code: 'author_banned', reason: { phase: 'bans', code: 'banned_user', detail: 'no user' } });
  t.notOk(rejected(run([ban('user', '9')], { author: { userId: null, email: 'x@example.org', ip: null } })), 'a guest is no account');
});

t.test('given a banned email, then it matches in any case and with stray spaces', async (t) => {
  t.ok(rejected(run([ban('email', ' ADA@Example.org ')])));
  t.notOk(rejected(run([ban('email', 'ada@example.org')], { author: { userId: null, email: null, ip: null } })));
});

t.test('given a banned IP address, then equal forms of it match', async (t) => {
  t.ok(rejected(run([ban('ip', '203.0.113.7')])), 'v4');
  t.ok(rejected(run([ban('ip', '203.0.113.7')], { author: { userId: null, email: null, ip: '::ffff:203.0.113.7' } })), 'IPv4-mapped v6 socket address');
  t.ok(rejected(run([ban('ip', '2001:db8::1')], { author: { userId: null, email: null, ip: '2001:0db8:0:0:0:0:0:1' } })), 'v6, long form');
  t.notOk(rejected(run([ban('ip', '203.0.113.7')], { author: { userId: null, email: null, ip: 'not an ip' } })), 'an unparsable address matches nothing');
  t.notOk(rejected(run([ban('ip', 'garbage')])), 'an unparsable ban matches nothing');
});

t.test('given a banned range, then addresses inside it are rejected and those outside pass', async (t) => {
  t.ok(rejected(run([ban('range', '203.0.113.0/24')])), 'v4 inside');
  t.notOk(rejected(run([ban('range', '203.0.112.0/24')])), 'v4 outside');
  t.ok(rejected(run([ban('range', '203.0.113.0/24')], { author: { userId: null, email: null, ip: '::ffff:203.0.113.200' } })), 'mapped v6 inside a v4 range');
  t.ok(rejected(run([ban('range', '::ffff:203.0.113.0/120')])), 'a mapped v6 range covers the v4 address');
  t.ok(rejected(run([ban('range', '2001:db8::/32')], { author: { userId: null, email: null, ip: '2001:db8:ffff::5' } })), 'v6 inside');
  t.notOk(rejected(run([ban('range', '2001:db8::/32')], { author: { userId: null, email: null, ip: '2001:db9::5' } })), 'v6 outside');
  t.notOk(rejected(run([ban('range', '2001:db8::/32')])), 'a v4 address is never in a v6 range');
  t.notOk(rejected(run([ban('range', '203.0.113.0/99')])), 'an invalid range matches nothing');
});

t.test('given an expired ban, then it no longer applies; one expiring later still does', async (t) => {
  t.notOk(rejected(run([ban('user', '9', new Date(now.getTime() - 1))])), 'expired a millisecond ago');
  t.notOk(rejected(run([ban('user', '9', now)])), 'expiring now');
  t.ok(rejected(run([ban('user', '9', new Date(now.getTime() + 1))])), 'expires in a millisecond');
});

t.test('given the phase is off, then even a banned author passes', async (t) => {
  t.strictSame(bansPhase.run(aContext({ bans: [ban('user', '9')] }), settingsWith({ bans: { enabled: false } })), { action: 'pass' });
});

t.test('given the same ban rows for many comments, then each author is judged on their own address', async (t) => {
  // parsed ban values are cached per row: the author's address must not be
  const bans = [ban('range', '203.0.113.0/24'), ban('ip', '2001:db8::1')];
  const from = (ip: string) => bansPhase.run(aContext({ bans, author: { userId: null, email: null, ip } }), settingsWith()).action;
  t.strictSame(['203.0.113.9', '198.51.100.1', '2001:db8::1', '2001:db8::2', '203.0.113.10'].map(from), ['reject', 'pass', 'reject', 'pass', 'reject']);
});

t.test('given a shadow ban on the author, then the comment is kept, shadowed, with shadow_banned for moderators', async (t) => {
  const shadow: Ban = { ...ban('email', 'ada@example.org'), mode: 'shadow', reason: 'troll' };
  t.strictSame(run([shadow]), { action: 'shadow', reasons: [{ phase: 'bans', code: 'shadow_banned', detail: 'troll' }] });
  t.strictSame(run([{ ...shadow, expiresAt: now }]), { action: 'pass' }, 'an expired shadow ban no longer applies');
  t.strictSame(run([{ ...shadow, value: 'eve@example.org' }]), { action: 'pass' }, 'a shadow ban on someone else');
});

t.test('given both a ban and a shadow ban match, then the ban refuses (whatever their order)', async (t) => {
  const shadow: Ban = { ...ban('user', '9'), mode: 'shadow' };
  t.ok(rejected(run([shadow, ban('ip', '203.0.113.7')])));
  t.ok(rejected(run([ban('ip', '203.0.113.7'), shadow])));
  t.ok(rejected(run([{ ...ban('user', '9'), mode: 'ban' }])), 'mode ban is the default spelled out');
});

t.test('canonicalAddress: what is stored and looked up in SQL', async (t) => {
  t.equal(canonicalAddress('::ffff:198.51.100.7'), '198.51.100.7', 'an IPv4 client of a dual-stack socket is its IPv4 address');
  t.equal(canonicalAddress('2001:db8::1'), '2001:db8::1');
  t.equal(canonicalAddress('198.51.100.7'), '198.51.100.7');
  t.equal(canonicalAddress('not an address'), null);
  t.equal(canonicalAddress(undefined), null);
});
