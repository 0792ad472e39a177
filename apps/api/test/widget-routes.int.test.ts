// /widget/* serves the built widget to host pages on any origin (fixture files here, so these
// tests don't depend on the real bundle), and the demo pages (only when start.ts asks for them)
// are the real files in apps/widget/demo, sent with a strict Content-Security-Policy.
import t from 'tap';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps } from '@parley/api';
import { loadConfig } from '@parley/data';
import { testDatabase, type TapTest } from '../../../test/harness/db.ts';
import { testApi } from '../../../test/harness/app.ts';
import { demoCsp, etagMatches } from '../src/routes/widget.ts';
import { DEMO_PAGES_DIR } from '../../../scripts/lib/demo.ts';

const FIXTURES = {
  'parley.js': '(()=>{document.body.dataset.parley="thread"})();\n',
  'parley.css': '.parley{color:red}\n',
  'count.js': '(()=>{document.body.dataset.parley="count"})();\n',
  'secret.txt': 'not for the web\n',
};

async function fixtureDir(t: TapTest): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-widget-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(FIXTURES)) await writeFile(join(dir, name), text);
  return dir;
}

async function appWith(t: TapTest, deps: Pick<AppDeps, 'widgetDir' | 'demo'>) {
  const { db } = await testDatabase(t);
  const app = await buildApp({ config: loadConfig({}, { logLevel: 'silent', writeRatePerMinute: 0 }), db, ...deps });
  t.teardown(() => app.close());
  return (method: 'GET' | 'HEAD', url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> => app.inject({ method, url, headers });
}

t.test('each widget file: its type, cache headers, cross-origin headers and body', async (t) => {
  const get = await appWith(t, { widgetDir: await fixtureDir(t) });
  const types = { 'parley.js': 'application/javascript; charset=utf-8', 'parley.css': 'text/css; charset=utf-8', 'count.js': 'application/javascript; charset=utf-8' };
  for (const [name, type] of Object.entries(types)) {
    const r = await get('GET', `/widget/${name}`, { origin: 'https://blog.example' });
    t.equal(r.statusCode, 200, name);
    t.equal(r.body, FIXTURES[name as keyof typeof FIXTURES], `${name}: the file as it is`);
    t.same(
      {
        type: r.headers['content-type'],
        cache: r.headers['cache-control'],
        allowOrigin: r.headers['access-control-allow-origin'],
        corp: r.headers['cross-origin-resource-policy'],
        nosniff: r.headers['x-content-type-options'],
        credentials: r.headers['access-control-allow-credentials'],
      },
      { type, cache: 'public, max-age=300', allowOrigin: '*', corp: 'cross-origin', nosniff: 'nosniff', credentials: undefined },
      `${name}: headers`,
    );
    t.match(r.headers.etag, /^"[A-Za-z0-9_-]{32}"$/, `${name}: a strong ETag`);
    const head = await get('HEAD', `/widget/${name}`);
    t.same([head.statusCode, head.body, head.headers['content-type'], head.headers.etag], [200, '', type, r.headers.etag], `${name}: HEAD`);
  }
});

t.test('ETag: 304 on a matching If-None-Match, a new tag when the file changes', async (t) => {
  const dir = await fixtureDir(t);
  const get = await appWith(t, { widgetDir: dir });
  const first = await get('GET', '/widget/parley.js');
  const etag = String(first.headers.etag);
  for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const r = await get('GET', '/widget/parley.js', { 'if-none-match': inm });
    t.same([r.statusCode, r.body, r.headers.etag, r.headers['cache-control'], r.headers['access-control-allow-origin']], [304, '', etag, 'public, max-age=300', '*'], `304 for If-None-Match: ${inm}`);
  }
  t.equal((await get('GET', '/widget/parley.js', { 'if-none-match': '"other"' })).statusCode, 200, 'another tag: the file');
  t.equal((await get('GET', '/widget/parley.css', { 'if-none-match': etag })).statusCode, 200, 'one file\'s tag is not another\'s');

  // a rebuild while the server runs is served at once (the cache checks size and mtime)
  await writeFile(join(dir, 'parley.js'), '(()=>{/* rebuilt */})();\n');
  await utimes(join(dir, 'parley.js'), new Date(), new Date(Date.now() + 5000));
  const rebuilt = await get('GET', '/widget/parley.js', { 'if-none-match': etag });
  t.same([rebuilt.statusCode, rebuilt.body], [200, '(()=>{/* rebuilt */})();\n']);
  t.not(rebuilt.headers.etag, etag, 'with a new tag');
});

t.test('only the three widget files are served: no other name, no path traversal', async (t) => {
  const get = await appWith(t, { widgetDir: await fixtureDir(t) });
  for (const path of ['/widget/secret.txt', '/widget/', '/widget/parley.js.map', '/widget/../package.json', '/widget/%2e%2e/package.json', '/widget/..%2fpackage.json', '/widget/%2e%2e%2f%2e%2e%2fpackage.json', '/widget/parley.js/', '/widget/PARLEY.JS']) {
    const r = await get('GET', path);
    t.equal(r.statusCode, 404, path);
    t.notMatch(r.body, /not for the web|"name"/, `${path}: nothing of the file system`);
    t.match(JSON.parse(r.body), { error: { code: /^(route_not_found|widget_not_found)$/ } }, `${path}: the API's error shape`);
  }
});

t.test('without a widget directory (or a file in it) /widget/* answers 404 widget_not_found', async (t) => {
  const api = await testApi(t);
  const r = await api.req('GET', '/widget/parley.js');
  t.same([r.status, r.body.error.code, r.body.error.details], [404, 'widget_not_found', { file: 'parley.js' }]);
  t.equal((await api.req('GET', '/')).status, 404, 'the demo pages are not part of a default app');
  t.equal((await api.req('GET', '/demo/second')).status, 404);

  const empty = await mkdtemp(join(tmpdir(), 'parley-widget-empty-'));
  t.teardown(() => rm(empty, { recursive: true, force: true }));
  const get = await appWith(t, { widgetDir: empty });
  const missing = await get('GET', '/widget/count.js');
  t.same([missing.statusCode, JSON.parse(missing.body).error.code], [404, 'widget_not_found']);
});

t.test('demo pages: the real files, strict CSP, the embed snippet as documented, no inline code', async (t) => {
  const get = await appWith(t, { widgetDir: await fixtureDir(t), demo: { dir: DEMO_PAGES_DIR } });
  const pages = { '/': { identifier: 'welcome', other: '/demo/second' }, '/demo/second': { identifier: 'second-article', other: '/' } };
  for (const [path, { identifier, other }] of Object.entries(pages)) {
    const r = await get('GET', path, { host: 'demo.example:3000' });
    t.equal(r.statusCode, 200, path);
    t.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    t.equal(
      r.headers['content-security-policy'],
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws://demo.example:3000 wss://demo.example:3000; frame-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    t.same([r.headers['x-content-type-options'], r.headers['referrer-policy']], ['nosniff', 'strict-origin-when-cross-origin']);
    t.ok(
      r.body.includes(`<div data-parley-forum="demo" data-parley-identifier="${identifier}"></div>\n      <script src="/widget/parley.js" defer></script>`),
      `${path}: the embed snippet of apps/widget/README.md`,
    );
    t.match(r.body, new RegExp(`<a href="${other.replace('/', '\\/')}"`), `${path} links to ${other}`);
    t.notMatch(r.body, /<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=|javascript:/i, `${path}: no inline script or style`);

    // everything the page loads from this origin is served
    for (const [, src] of r.body.matchAll(/(?:src|href)="(\/[^"#]*)/g)) {
      t.equal((await get('GET', src)).statusCode, 200, `${path} → ${src}`);
    }
  }
  const index = (await get('GET', '/')).body;
  t.match(index, /<h1>Welcome to Parley<\/h1>/);
  t.match(index, /data-parley-count="welcome"/, 'the listing counts the welcome thread');
  t.match(index, /data-parley-count="second-article"/, 'and the second article');
  t.match(index, /<script src="\/widget\/count.js" data-parley-forum="demo" defer><\/script>/);

  const css = await get('GET', '/demo/demo.css');
  t.same([css.statusCode, css.headers['content-type'], css.body], [200, 'text/css; charset=utf-8', await readFile(join(DEMO_PAGES_DIR, 'demo.css'), 'utf8')]);
  const again = await get('GET', '/', { 'if-none-match': String((await get('GET', '/')).headers.etag) });
  t.equal(again.statusCode, 304, 'pages have ETags too');
  t.equal((await get('GET', '/demo/index.html')).statusCode, 404, 'only the routed names');
});

t.test('the CSP takes only a well-formed Host', async (t) => {
  t.equal(demoCsp('127.0.0.1:3000').split('; ')[3], "connect-src 'self' ws://127.0.0.1:3000 wss://127.0.0.1:3000");
  t.equal(demoCsp('[::1]:3000').split('; ')[3], "connect-src 'self' ws://[::1]:3000 wss://[::1]:3000");
  t.equal(demoCsp('Example.COM').split('; ')[3], "connect-src 'self' ws://Example.COM wss://Example.COM");
  for (const host of [undefined, '', 'a.example; script-src *', 'a.example *', 'a.example/x', 'a.example:3000:1', "'unsafe-inline'"]) {
    t.equal(demoCsp(host).split('; ')[3], "connect-src 'self'", `refused: ${JSON.stringify(host)}`);
  }
  const get = await appWith(t, { demo: { dir: DEMO_PAGES_DIR } });
  const r = await get('GET', '/', { host: 'evil.example; script-src *' });
  t.equal(r.statusCode, 200);
  t.match(String(r.headers['content-security-policy']), /connect-src 'self'; frame-src 'self'; img-src/, 'a bad Host adds no source');
});

t.test('etagMatches', async (t) => {
  t.ok(etagMatches('"a"', '"a"'));
  t.ok(etagMatches('W/"a"', '"a"'));
  t.ok(etagMatches(' "b" ,"a"', '"a"'));
  t.ok(etagMatches('*', '"a"'));
  t.notOk(etagMatches(undefined, '"a"'));
  t.notOk(etagMatches('"ab"', '"a"'));
  t.notOk(etagMatches('a', '"a"'));
});
