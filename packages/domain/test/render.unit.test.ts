import t from 'tap';
import type { Test } from 'tap';
import { renderMessage } from '@parley/domain';

const allowedTags = new Set(['p', 'br', 'em', 'strong', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a']);
const allowedAttributes: Record<string, Set<string>> = { a: new Set(['href', 'rel', 'target']), ol: new Set(['start']) };
const rel = 'rel="nofollow ugc noopener noreferrer" target="_blank"';

const tagPattern = /<(\/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/g;
const attributePattern = /([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?/g;

const decodeEntities = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);?/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&colon;/gi, ':')
    .replace(/&tab;/gi, '\t')
    .replace(/&newline;/gi, '\n')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** What is wrong with a piece of output HTML, found by reading every tag and attribute in it. */
function problemsIn(html: string): string[] {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push('contains <script');
  // every literal "<" must open a well-formed tag: text "<" is escaped as &lt;
  const stripped = html.replace(tagPattern, '');
  if (stripped.includes('<') || stripped.includes('>')) problems.push(`stray angle bracket in ${JSON.stringify(stripped)}`);
  for (const [, , name, attrs] of html.matchAll(tagPattern)) {
    const tag = name.toLowerCase();
    if (!allowedTags.has(tag)) problems.push(`tag <${name}> is not allowed`);
    if (/\son\w+\s*=/i.test(` ${attrs}`)) problems.push(`event handler in <${name}${attrs}>`);
    for (const [, attr, rawValue] of attrs.matchAll(attributePattern)) {
      if (!allowedAttributes[tag]?.has(attr.toLowerCase())) problems.push(`attribute ${attr} on <${name}>`);
      if (attr.toLowerCase() === 'href') {
        const value = decodeEntities((rawValue ?? '').replace(/^["']|["']$/g, ''));
        // what a browser would follow: resolved against the embedding page, as the URL parser does
        const protocol = new URL(value, 'https://embedder.example/page').protocol;
        if (!['http:', 'https:', 'mailto:'].includes(protocol)) problems.push(`href ${JSON.stringify(value)} resolves to ${protocol}`);
        if (/^[\s\u0000-\u001f]*(javascript|vbscript|data):/i.test(value.replace(/[\t\n\r]/g, ''))) {
          problems.push(`script scheme in href ${JSON.stringify(value)}`);
        }
      }
    }
  }
  return problems;
}

function assertSafe(t: Test, input: string): void {
  const html = renderMessage(input);
  t.strictSame(problemsIn(html), [], `${JSON.stringify(input)} -> ${JSON.stringify(html)}`);
}

t.test('the checker itself catches what it is meant to catch', async (t) => {
  // known-bad HTML, so a broken checker cannot pass everything
  const bad = [
    '<script>alert(1)</script>',
    '<p>a<img src=x></p>',
    '<p onclick="x">a</p>',
    "<a href='https://ok.example' ONMOUSEOVER='x'>a</a>",
    '<a href="javascript:alert(1)">a</a>',
    '<a href="JaVaScRiPt:alert(1)">a</a>',
    '<a href=" jav&#x61;script&#58;alert(1)">a</a>',
    '<a href="java&#9;script:alert(1)">a</a>',
    '<a href="data:text/html,x">a</a>',
    '<a href="https://ok.example" style="x">a</a>',
    '<p>a < b</p>',
    '<p>1 > 0</p>',
  ];
  for (const html of bad) t.not(problemsIn(html).length, 0, `flags ${html}`);
  const good = ['<p>&lt;script&gt;</p>', `<p><a href="https://ok.example/?a=1&amp;b=2" ${rel}>a</a><br />\nb</p>`, '<ol start="2"><li>x</li></ol>'];
  for (const html of good) t.strictSame(problemsIn(html), [], `passes ${html}`);
});

t.test('light markdown', async (t) => {
  const cases: [string, string, string][] = [
    ['emphasis', '*a* _b_ **c** __d__ ~~e~~', '<p><em>a</em> <em>b</em> <strong>c</strong> <strong>d</strong> <s>e</s></p>'],
    ['inline code escapes its content', 'use `<b>` here', '<p>use <code>&lt;b&gt;</code> here</p>'],
    ['link', '[docs](https://example.com/a?b=1&c=2)', `<p><a href="https://example.com/a?b=1&amp;c=2" ${rel}>docs</a></p>`],
    ['mailto link', '[mail](mailto:a@example.com)', `<p><a href="mailto:a@example.com" ${rel}>mail</a></p>`],
    ['bare URL is linked', 'see https://example.com/x.', `<p>see <a href="https://example.com/x" ${rel}>https://example.com/x</a>.</p>`],
    ['autolink', '<https://example.com>', `<p><a href="https://example.com" ${rel}>https://example.com</a></p>`],
    ['bullet list', '- a\n- b', '<ul>\n<li>a</li>\n<li>b</li>\n</ul>'],
    ['numbered list', '1. a\n2. b', '<ol>\n<li>a</li>\n<li>b</li>\n</ol>'],
    ['numbered list keeps its start', '3. a\n4. b', '<ol start="3">\n<li>a</li>\n<li>b</li>\n</ol>'],
    ['fenced code escapes its content', '```js\nif (a < b) alert("x")\n```', '<pre><code>if (a &lt; b) alert("x")\n</code></pre>'],
    ['indented code', '    x = 1', '<pre><code>x = 1\n</code></pre>'],
    ['blockquote', '> quoted\n\nreply', '<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>reply</p>'],
    ['a newline is a line break', 'one\ntwo', '<p>one<br />\ntwo</p>'],
    ['a blank line is a paragraph', 'one\n\ntwo', '<p>one</p>\n<p>two</p>'],
    ['backslash escapes', '\\*not em\\*', '<p>*not em*</p>'],
    ['plain text is escaped', 'a & b < c > "d"', '<p>a &amp; b &lt; c &gt; "d"</p>'],
    ['empty message', '', ''],
  ];
  for (const [what, input, html] of cases) t.equal(renderMessage(input), html, what);
});

t.test('what stays plain text', async (t) => {
  t.equal(renderMessage('![pixel](https://tracker.example/p.png)'), `<p>!<a href="https://tracker.example/p.png" ${rel}>pixel</a></p>`, 'images are never embedded');
  t.equal(renderMessage('# Title'), '<p># Title</p>', 'headings are not rendered');
  t.equal(renderMessage('<b>bold</b>'), '<p>&lt;b&gt;bold&lt;/b&gt;</p>', 'raw HTML shows as text');
});

t.test('every link opens in a new tab and passes no ranking', async (t) => {
  const html = renderMessage('[a](https://a.example) https://b.example <https://c.example> [d](mailto:d@e.example)');
  const anchors = [...html.matchAll(/<a\s[^>]*>/g)].map((m) => m[0]);
  t.equal(anchors.length, 4);
  for (const a of anchors) {
    t.match(a, /\srel="nofollow ugc noopener noreferrer"/, `${a} has rel`);
    t.match(a, /\starget="_blank"/, `${a} has target`);
  }
  t.notMatch(renderMessage('[x](https://a.example "title")'), /title=/, 'link titles are dropped');
});

t.test('XSS corpus: nothing executable survives', async (t) => {
  const corpus = [
    // script tags
    '<script>alert(1)</script>',
    '<SCRIPT SRC=https://evil.example/x.js></SCRIPT>',
    '<scr<script>ipt>alert(1)</scr</script>ipt>',
    '<<script>script>alert(1)</script>',
    '**<script>**alert(1)</script>',
    '<svg><script>alert(1)</script></svg>',
    '<svg/onload=alert(1)>',
    // event handlers, any casing and quoting
    '<img src=x onerror=alert(1)>',
    '<IMG SRC=x OnErRoR="alert(1)">',
    "<img src=x onerror='alert(1)'>",
    '<img src=x ONERROR=`alert(1)`>',
    "<body onload='alert(1)'>",
    '<div onclick=alert(1)>click</div>',
    '<a onmouseover="alert(1)">hover</a>',
    '<details open ontoggle=alert(1)>',
    '<img src=x onerror\n=alert(1)>',
    // mutation XSS
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<style>@import "https://evil.example/x.css";</style>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    // javascript: links in markdown
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](javascript&#58;alert(1))',
    '[x](javascript&colon;alert(1))',
    '[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))',
    '[x](&#x6A;avascript:alert(1))',
    '[x](java\tscript:alert(1))',
    '[x](  javascript:alert(1)  )',
    '[x](<javascript:alert(1)>)',
    '[x](\\javascript:alert(1))',
    '[x](vbscript:msgbox(1))',
    '[x]: javascript:alert(1)\n\n[x]',
    '[[x](javascript:alert(1))](https://example.com)',
    '[x](https://example.com)(javascript:alert(1))',
    '![x](javascript:alert(1))',
    // autolinks
    '<javascript:alert(1)>',
    '<JaVaScRiPt:alert(1)>',
    '<javascript&#58;alert(1)>',
    'javascript:alert(1)',
    // data: URLs
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[x](data:text/html,<script>alert(1)</script>)',
    '<data:text/html;base64,PHNjcmlwdD4=>',
    'data:text/html,<script>alert(1)</script>',
    // attribute breakouts through URLs
    'https://example.com/"onmouseover="alert(1)',
    '[x](https://example.com/"onerror="alert(1))',
    "[x](https://example.com/' onerror='alert(1))",
    '[x](https://example.com "t" onclick="alert(1)")',
    'https://example.com/<script>alert(1)</script>',
    '[<img src=x onerror=alert(1)>](https://example.com)',
    // protocol-relative and other schemes
    '[x](//evil.example)',
    '[x](file:///etc/passwd)',
    // broken and unclosed markup
    '<script',
    '<img src=x onerror=alert(1)',
    '<a href="javascript:alert(1)"',
    '[x](https://example.com)<img src=x onerror=alert(1)',
    '<<>><</>>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '`<script>alert(1)</script>`',
    '```\n<script>alert(1)</script>\n```',
    '&lt;script&gt;alert(1)&lt;/script&gt;',
    '&#60;script&#62;alert(1)&#60;/script&#62;',
    '\u0000<script>alert(1)</script>',
  ];
  for (const input of corpus) assertSafe(t, input);
});

t.test('links to other schemes lose their href', async (t) => {
  for (const input of ['[x](//evil.example)', 'ftp://files.example/x']) {
    t.notMatch(renderMessage(input), /href=/, `${input} has no href`);
  }
});

