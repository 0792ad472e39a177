// The two rules the session frame rests on (apps/widget/README.md, "Where the session lives"):
// which page origin may frame it (frameAncestors), and that a write from the API's own origin (the
// frame) is not taken for a foreign page (pageOrigin), while every other origin still is.
import t from 'tap';
import type { FastifyRequest } from 'fastify';
import { defaultForumSettings, type Forum } from '@parley/domain';
import { pageOrigin } from '../src/page-origin.ts';
import { frameAncestors, sessionFrameCsp } from '../src/routes/session-frame.ts';

const forum = (allowedOrigins: string[]): Forum => ({
  id: '1', slug: 'blog', name: 'Blog', settings: { ...defaultForumSettings, allowedOrigins }, shard: 0, postCount: 0, pendingCount: 0, createdAt: new Date(),
});
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'none';
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

t.test('frameAncestors: the page origin given, if the forum takes it', async (t) => {
  t.equal(frameAncestors(forum([]), 'https://site.example'), 'https://site.example', 'a forum listing none takes any page');
  t.equal(frameAncestors(forum(['https://site.example']), 'https://site.example'), 'https://site.example');
  t.equal(code(() => frameAncestors(forum(['https://site.example']), 'https://other.example')), 'origin_not_allowed');
  for (const bad of [undefined, '', 'null', 'https://site.example/', 'https://site.example/path', 'javascript:alert(1)', 'https://a.example https://b.example', "'self'", ['https://site.example'], 'x'.repeat(400)]) {
    t.equal(code(() => frameAncestors(forum([]), bad)), 'invalid_field', `refused: ${String(JSON.stringify(bad)).slice(0, 40)}`);
  }
  const csp = sessionFrameCsp('https://site.example');
  t.match(csp, /(^|; )default-src 'none'(;|$)/);
  t.match(csp, /(^|; )frame-ancestors https:\/\/site\.example$/);
  t.notMatch(csp, /unsafe-|\*/, 'no unsafe source, no wildcard');
});

t.test('pageOrigin: the API\'s own origin is no foreign page; others stay what they are', async (t) => {
  const req = (origin: string | undefined, host = 'comments.example.com') => ({ headers: { origin, host } }) as unknown as FastifyRequest;
  const pub = 'https://comments.example.com';
  t.equal(pageOrigin(req(undefined), pub), undefined, 'no Origin: a server');
  t.equal(pageOrigin(req('https://comments.example.com'), pub), undefined, 'the frame, by Host');
  t.equal(pageOrigin(req('https://comments.example.com', '10.0.0.5:3000'), pub), undefined, 'the frame behind a proxy that rewrites Host, by the public URL');
  t.equal(pageOrigin(req('https://site.example'), pub), 'https://site.example', 'a site is a site');
  t.equal(pageOrigin(req('https://comments.example.com.evil.example'), pub), 'https://comments.example.com.evil.example', 'a look-alike is foreign');
  t.equal(pageOrigin(req('https://comments.example.com:8443'), pub), 'https://comments.example.com:8443', 'another port is another origin');
  t.equal(pageOrigin(req('null'), pub), 'null', 'an opaque origin stays (and is refused by a forum that lists origins)');
});
