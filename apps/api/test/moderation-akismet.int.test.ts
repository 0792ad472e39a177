// Akismet through a real local HTTP server that answers spam, ham, slowly, 500, or not at all
// (connection refused): a comment is marked as spam, published, or held, and never lost.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import t from 'tap';
import type { TapTest } from '../../../test/harness/db.ts';
import { allPhasesOff, moderationEnv } from './moderation-env.ts';

type Behaviour = 'spam' | 'ham' | 'slow' | 'error';

interface FakeAkismet {
  url: string;
  behaviour: Behaviour;
  /** the form bodies received, decoded */
  asked: URLSearchParams[];
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });

async function fakeAkismet(t: TapTest): Promise<FakeAkismet> {
  const fake: FakeAkismet = { url: '', behaviour: 'ham', asked: [] };
  const server: Server = createServer(async (req, res) => {
    fake.asked.push(new URLSearchParams(await body(req)));
    if (req.url !== '/1.1/comment-check') return void res.writeHead(404).end();
    if (fake.behaviour === 'slow') return; // never answers: the write's timeout must not wait for it
    if (fake.behaviour === 'error') return void res.writeHead(500).end('internal error');
    res.writeHead(200, { 'content-type': 'text/plain' }).end(fake.behaviour === 'spam' ? 'true' : 'false');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  fake.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return fake;
}

const withAkismet = { ...allPhasesOff, akismet: { enabled: true } };

t.test('Akismet: spam is spam, ham is published, slow, failing or down is held with akismet_unavailable', async (t) => {
  const fake = await fakeAkismet(t);
  const env = await moderationEnv(t, withAkismet, { config: { akismetKey: 'test-akismet-key', akismetUrl: fake.url, akismetTimeoutMs: 300 } });
  const codes = async (id: string) => (await env.modRead()).find((p: any) => p.id === id).moderation.reasons.map((r: any) => `${r.phase}:${r.code}`);

  fake.behaviour = 'ham';
  const ham = await env.say('a perfectly normal comment', { email: 'ham@example.com' });
  t.equal(ham.body.post.status, 'approved');
  const asked = fake.asked.at(-1)!;
  t.equal(asked.get('comment_content'), 'a perfectly normal comment', 'Akismet is sent the text');
  t.equal(asked.get('comment_author_email'), 'ham@example.com');
  t.equal(asked.get('user_ip'), '127.0.0.1', 'and the client address');
  t.equal(asked.get('api_key'), 'test-akismet-key');

  fake.behaviour = 'spam';
  const spam = await env.say('buy cheap pills');
  t.equal(spam.body.post.status, 'spam');
  t.same(await codes(spam.body.post.id), ['akismet:akismet_spam']);

  for (const behaviour of ['slow', 'error'] as const) {
    fake.behaviour = behaviour;
    const started = Date.now();
    const r = await env.say(`while Akismet is ${behaviour}`);
    t.equal(r.status, 201, `${behaviour}: the comment is taken`);
    t.equal(r.body.post.status, 'pending', `${behaviour}: and held`);
    t.same(await codes(r.body.post.id), ['akismet:akismet_unavailable']);
    if (behaviour === 'slow') t.ok(Date.now() - started < 5000, 'the write waited for the timeout, not for Akismet');
  }
  t.notMatch(JSON.stringify(await env.modRead()), /test-akismet-key/, 'the key is in no reason');
});

t.test('Akismet down (connection refused): held, never a 500', async (t) => {
  // a port that was just free: a server listened on it and closed
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const address = closed.address();
  await new Promise((resolve) => closed.close(resolve));
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const env = await moderationEnv(t, withAkismet, { config: { akismetKey: 'k', akismetUrl: url, akismetTimeoutMs: 1000 } });
  const r = await env.say('hello while Akismet is down');
  t.equal(r.status, 201);
  t.equal(r.body.post.status, 'pending');
  const [reason] = (await env.modRead())[0].moderation.reasons;
  t.equal(reason.code, 'akismet_unavailable');
});

t.test('Akismet is not asked when the rules already decided, the forum did not ask, or no key is set', async (t) => {
  const fake = await fakeAkismet(t);
  fake.behaviour = 'spam';
  const config = { akismetKey: 'k', akismetUrl: fake.url, akismetTimeoutMs: 1000 };
  const ruled = await moderationEnv(t, { ...withAkismet, blocklist: { enabled: true, entries: [{ kind: 'word', term: 'casino', action: 'spam' }, { kind: 'word', term: 'forbidden', action: 'reject' }] } }, { config });
  t.equal((await ruled.say('casino night')).body.post.status, 'spam');
  t.equal((await ruled.say('forbidden')).status, 422);
  t.equal(fake.asked.length, 0, 'spam and rejects are not sent');
  const notAsked = await moderationEnv(t, allPhasesOff, { config });
  t.equal((await notAsked.say('hello')).body.post.status, 'approved', 'akismet.enabled false');
  const noKey = await moderationEnv(t, withAkismet, { config: { akismetUrl: fake.url } });
  t.equal((await noKey.say('hello')).body.post.status, 'approved', 'no PARLEY_AKISMET_KEY');
  t.equal(fake.asked.length, 0);
});
