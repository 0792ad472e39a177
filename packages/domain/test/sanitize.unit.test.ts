// The sanitizer on its own, fed HTML that markdown-it would never produce: the allowlist is the
// security boundary, so it must hold even if the markdown step changes.
import t from 'tap';
import { sanitizeCommentHtml } from '@parley/domain';

const cases: [string, string][] = [
  ['<script>alert(1)</script><p>ok</p>', '&lt;script&gt;alert(1)&lt;/script&gt;<p>ok</p>'],
  ['<img src=x onerror=alert(1)>', '&lt;img /&gt;'],
  ['<a href="javascript:alert(1)">x</a>', '<a rel="nofollow ugc noopener noreferrer" target="_blank">x</a>'],
  ['<a href="data:text/html,<script>alert(1)</script>">x</a>', '<a rel="nofollow ugc noopener noreferrer" target="_blank">x</a>'],
  ['<a href="/relative">x</a>', '<a rel="nofollow ugc noopener noreferrer" target="_blank">x</a>'],
  ['<a href="//evil.example">x</a>', '<a rel="nofollow ugc noopener noreferrer" target="_blank">x</a>'],
  ['<a href="https://ok.example/" onclick="x()">x</a>', '<a href="https://ok.example/" rel="nofollow ugc noopener noreferrer" target="_blank">x</a>'],
  ['<p style="color:red" class="x">hi</p>', '<p>hi</p>'],
  ['<iframe src="https://x.example"></iframe>', '&lt;iframe&gt;&lt;/iframe&gt;'],
];

for (const [input, expected] of cases) {
  t.equal(sanitizeCommentHtml(input), expected, input);
}

t.test('no handler, script or non-http link survives anything', async (t) => {
  const nasty = ['<svg onload=alert(1)>', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>', '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>', '<details open ontoggle=alert(1)>', '<body onload=alert(1)>', '<object data="javascript:alert(1)">'];
  for (const html of nasty) {
    const out = sanitizeCommentHtml(html);
    t.notMatch(out, /<(?!\/?(p|br|em|strong|s|del|code|pre|blockquote|ul|ol|li|a)\b)[a-z]/i, `only allowlisted tags: ${html}`);
    t.notMatch(out, /<[^>]+\son\w+=/i, `no handler attributes: ${html}`);
    t.notMatch(out, /href="(?!https?:|mailto:)/i, `only http(s)/mailto links: ${html}`);
  }
});
