// An XSS corpus posted as comments (and as guest names), shown by one reader on a page without any
// Content-Security-Policy (so only the widget and the server stand between a payload and the page)
// and by another under the strict policy (where any attempt would also log a CSP violation). Every
// payload tries to set window.parleyPwned or open a dialog; neither may happen, the text shows
// escaped, and each comment's body is exactly the server's sanitized HTML.
import t from 'tap';
import { browserStack, ownSel, type Reader } from '../../../test/harness/browser.ts';

const stack = await browserStack(t);
const { api } = stack;

const P = 'window.parleyPwned';
/** raw HTML: shown as text, exactly as written */
const literal = [
  `<script>${P}='script'</script>`,
  `<img src=x onerror="${P}='img'">`,
  `<img src=x onerror=alert(1)>`,
  `<IMG SRC=x OnErRoR=alert(1)>`,
  `<svg onload="${P}='svg'"></svg>`,
  `<svg><script>${P}='svg-script'</script></svg>`,
  `<svg><a xlink:href="javascript:${P}='xlink'"><text x="20" y="20">click</text></a></svg>`,
  `<svg><animate onbegin="${P}='animate'" attributeName="x" dur="1s"/></svg>`,
  `<math><mtext><table><mglyph><style><img src=x onerror="${P}='math'">`,
  `<math href="javascript:${P}='math-href'">CLICK</math>`,
  `<iframe srcdoc="<script>parent.parleyPwned=1</script>"></iframe>`,
  `<iframe src="javascript:parent.parleyPwned=1"></iframe>`,
  `<a href="javascript:${P}='a'">click me</a>`,
  `<a href=" javascript:${P}='space'">spaced</a>`,
  `<object data="javascript:${P}='object'"></object>`,
  `<embed src="javascript:${P}='embed'">`,
  `<details open ontoggle="${P}='details'">`,
  `<body onload="${P}='body'">`,
  `<input autofocus onfocus="${P}='focus'">`,
  `<form><button formaction="javascript:${P}='form'">go</button></form>`,
  `<div style="background:url(javascript:${P}='css')">styled</div>`,
  `<base href="javascript:${P}='base'//">`,
  `<meta http-equiv="refresh" content="0;url=javascript:${P}='meta'">`,
  `<template><img src=x onerror="${P}='template'"></template>`,
  `<noscript><p title="</noscript><img src=x onerror=${P}='noscript'>">`,
  `<!--<img src="--><img src=x onerror=${P}='comment'//">`,
  `"><img src=x onerror=${P}='attr-break'>`,
  `'><script>${P}='quote-break'</script>`,
  `</textarea><script>${P}='textarea'</script>`,
  `</li></ol></section><script>${P}='close-tags'</script>`,
  `<<script>script>${P}='nested'<</script>/script>`,
  `<p <img src=x onerror=${P}='broken'>`,
  `<scr<script>ipt>${P}='split'</scr</script>ipt>`,
  `<a href="https://example.com" onclick="${P}='onclick'">looks fine</a>`,
];
/** markdown whose rendering decides the text; only safety and faithfulness are checked */
const markdown = [
  `[x](javascript:alert(1))`,
  `[click me](javascript:${P}='md')`,
  `[x](JaVaScRiPt:alert(1))`,
  `[x](java\tscript:alert(1))`,
  `[x](&#106;avascript:alert(1))`,
  `[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
  `[x](vbscript:msgbox(1))`,
  `[x](https://example.com/"onmouseover="alert(1))`,
  `<javascript:alert(1)>`,
  `<https://example.com/"onmouseover="alert(1)>`,
  `![img](x" onerror="alert(1))`,
  '`<img src=x onerror=alert(1)>`',
  '```\n<script>alert(1)</script>\n```',
  `> <script>alert(1)</script>`,
  `- <img src=x onerror=alert(1)>\n- [x](javascript:alert(1))`,
  `https://example.com/?q=<script>alert(1)</script>`,
];
const names = [`<img src=x onerror=alert(1)>`, `"><script>alert(1)</script>`, `Mallory <b>bold</b>`];

/** What no part of the widget may contain, checked in the page: returns what it found. */
function findDangers(r: Reader) {
  return r.page.evaluate((apiUrl) => {
    const found: string[] = [];
    const root = document.querySelector('section.parley')!;
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      // the one frame the widget itself puts in: the session frame, on the API's origin
      if (el.parentElement === root && el.matches('iframe.parley-session') && el.getAttribute('src')!.startsWith(`${apiUrl}/widget/session.html?`)) continue;
      if (['script', 'iframe', 'object', 'embed', 'svg', 'math', 'style', 'img', 'base', 'meta', 'template', 'noscript', 'link', 'frame'].includes(tag)) found.push(`<${tag}>`);
      for (const a of el.attributes) {
        if (/^on/i.test(a.name)) found.push(`${tag}[${a.name}]`);
        if (a.name === 'style') found.push(`${tag}[style]`);
        if (/^(href|src|action|formaction|xlink:href|data|srcdoc)$/i.test(a.name) && !/^(https?:|mailto:)/i.test(a.value.replace(/[\s\u0000-\u001f]/g, ''))) found.push(`${tag}[${a.name}=${a.value}]`);
      }
    }
    return found;
  }, stack.apiUrl);
}

/** Bodies whose HTML is not the server's own sanitized HTML (parsed inertly, to compare like with like). */
function unfaithful(r: Reader, posts: { id: string; html: string }[]) {
  return r.page.evaluate((posts) => {
    const bad: string[] = [];
    for (const p of posts) {
      const body = document.querySelector(`li.parley-post[data-post-id="${p.id}"] > article .parley-body`);
      const tpl = document.createElement('template');
      tpl.innerHTML = p.html;
      if (!body || body.innerHTML !== tpl.innerHTML) bad.push(`${p.id}: shows ${body?.innerHTML ?? 'nothing'}, the server sent ${p.html}`);
    }
    return bad;
  }, posts);
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

await stack.test('an XSS corpus posted as comments executes nothing and shows as text', async (t, open) => {
  const { url: cspUrl, thread, slug } = await stack.thread();
  const bareUrl = stack.article({ forum: slug, identifier: thread.identifier, csp: false });
  const created: { id: string; html: string; message: string; literal: boolean }[] = [];
  const post = async (message: string, isLiteral: boolean, name = 'Eve') => {
    const { post } = await api.post(thread.id, { message, author: { name, email: 'eve@example.com' } });
    created.push({ id: post.id, html: post.html, message, literal: isLiteral });
  };
  // half before the readers open (the HTTP path)
  const half = Math.ceil(literal.length / 2);
  for (const m of literal.slice(0, half)) await post(m, true);
  for (const m of markdown.slice(0, 8)) await post(m, false);
  for (const n of names) await post(`a comment by ${n.length} characters of name`, false, n);

  const bare = await open(bareUrl, { label: 'no CSP' });
  const strict = await open(cspUrl, { label: 'strict CSP' });
  await Promise.all([bare.subscribed(), strict.subscribed()]);
  // and one typed into the composer, then edited into another payload
  const typed = await strict.compose(`<img src=x onerror="${P}='typed'"> and [y](javascript:alert(1))`, { name: `<script>${P}=1</script>` });
  created.push({ id: typed.id, html: typed.html, message: '', literal: false });
  await strict.page.click(ownSel(typed.id, 'button.parley-edit'));
  const editor = strict.post(typed.id).locator(':scope > form.parley-editor');
  await editor.locator('textarea').fill(`<svg/onload=${P}='edited'>`);
  const [res] = await Promise.all([strict.page.waitForResponse((r) => r.request().method() === 'PATCH'), editor.locator('button.parley-save').click()]);
  const edited = (await res.json()).post;
  created[created.length - 1] = { id: typed.id, html: edited.html, message: `<svg/onload=${P}='edited'>`, literal: true };

  // the rest while they watch (the realtime path, a burst)
  for (const m of literal.slice(half)) await post(m, true);
  for (const m of markdown.slice(8)) await post(m, false);

  const lastSeq = (await api.req('GET', `/v1/threads/${thread.id}`)).body.thread.lastSeq;
  for (const r of [bare, strict]) {
    await r.page.waitForSelector(`section.parley[data-seq="${lastSeq}"]`, { timeout: 5000 });
    if (await r.page.locator('button.parley-newbar').isVisible()) await r.page.click('button.parley-newbar');
    for (const c of created) await r.post(c.id).waitFor({ state: 'attached', timeout: 5000 });
    t.equal((await r.postIds()).length, created.length, `${r.label}: every comment, once`);
    // focus and hover everything: handlers that need an event get their chance
    for (const el of await r.page.locator('section.parley .parley-body *').all()) await el.hover({ timeout: 1000 }).catch(() => {});

    t.equal(await r.page.evaluate(() => (window as any).parleyPwned), undefined, `${r.label}: the canary is untouched`);
    t.same(await findDangers(r), [], `${r.label}: no script, frame, SVG, MathML, handler or script URL in the widget`);
    t.same(await unfaithful(r, created), [], `${r.label}: every body is the server's sanitized HTML`);
    for (const c of created.filter((c) => c.literal)) {
      const text = norm(await r.page.locator(ownSel(c.id, '.parley-body')).innerText());
      t.equal(text, norm(c.message), `${r.label}: shown as text: ${c.message}`);
    }
    for (const [i, n] of names.entries()) {
      const id = created[half + 8 + i].id;
      t.equal(await r.page.locator(ownSel(id, '.parley-author')).innerText(), n, `${r.label}: the name shows as text: ${n}`);
    }
    t.equal(await r.page.locator(ownSel(typed.id, '.parley-author')).innerText(), `<script>${P}=1</script>`);
    const links = await r.page.$$eval('section.parley .parley-body a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    t.ok(links.every((h) => /^https?:\/\//.test(h)), `${r.label}: links are http(s) only: ${links.join(' ')}`);
  }
  t.equal(await bare.page.title(), 'An article', 'the host page is untouched');
});

await stack.test('the host pages are under the strict policy, and a violation fails a test', async (t, open) => {
  const { url } = await stack.thread();
  const r = await open(url, { label: 'strict CSP' });
  t.equal(await r.widget.getAttribute('data-state'), 'ready', 'the widget works under it');
  t.equal(await r.page.evaluate(() => getComputedStyle(document.querySelector('section.parley')!).fontFamily.includes('system-ui')), true, 'its stylesheet loaded');
  await r.page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.parleyPwned = 1';
    document.body.append(s);
  });
  t.equal(await r.page.evaluate(() => (window as any).parleyPwned), undefined, 'an inline script does not run');
  const policy = (await r.page.reload())?.headers()['content-security-policy'] ?? '';
  t.match(policy, `script-src 'self' ${stack.apiUrl};`, 'scripts: this origin and the API only');
  t.notMatch(policy, /unsafe-/, 'no unsafe-inline, no unsafe-eval');
  await r.page.waitForSelector('section.parley[data-state=ready]');
  await r.page.waitForFunction(() => true); // the console events of the above have been delivered
  t.ok(r.problems.some((p) => /Content Security Policy|Refused to/.test(p)), `the violation was recorded: ${r.problems[0]}`);
  r.problems.length = 0; // expected here; any other test fails on one
});
