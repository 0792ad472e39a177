// Writing a reply email: escaping, one-line headers, links only to web URLs.
import t from 'tap';
import { renderReplyEmail, type ReplyEmailJob } from '../src/email/index.ts';

const job = (over: Partial<ReplyEmailJob> = {}): ReplyEmailJob => ({
  v: 1,
  eventId: '10',
  replyId: '3',
  parentId: '2',
  threadId: '1',
  to: 'alice@example.com',
  toName: 'Alice',
  replier: 'Bob',
  text: 'hello',
  html: '<p>hello</p>',
  thread: { title: 'A page', url: 'https://example.com/a' },
  at: new Date(0).toISOString(),
  ...over,
});

const UNSUB = 'http://parley.test/v1/unsubscribe?token=a.b&x="y"';

t.test('names, titles and URLs are escaped in the HTML; the reply HTML goes in as sanitized', async (t) => {
  const m = renderReplyEmail(job({ replier: '<img src=x onerror=alert(1)>', toName: 'A & B', thread: { title: '"Quotes" <tags>', url: 'https://example.com/?a=1&b="2"' } }), UNSUB);
  t.notMatch(m.html, /<img/);
  t.match(m.html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  t.match(m.html, /Hi A &amp; B,/);
  t.match(m.html, /href="https:\/\/example\.com\/\?a=1&amp;b=&quot;2&quot;"/);
  t.match(m.html, /&quot;Quotes&quot; &lt;tags&gt;/);
  t.match(m.html, /href="http:\/\/parley\.test\/v1\/unsubscribe\?token=a\.b&amp;x=&quot;y&quot;"/);
  t.match(m.html, /<blockquote[^>]*><p>hello<\/p><\/blockquote>/);
  t.match(m.text, /Unsubscribe: http:\/\/parley\.test\/v1\/unsubscribe\?token=a\.b&x="y"/, 'the text is not escaped');
});

t.test('the subject is one line; a thread without a title or a web URL still reads well', async (t) => {
  const m = renderReplyEmail(job({ replier: 'Bob\r\nBcc: x@y.z', thread: { title: 'Line one\nline two', url: 'javascript:alert(1)' } }), UNSUB);
  t.equal(m.subject, 'Bob Bcc: x@y.z replied to your comment on "Line one line two"');
  t.notMatch(m.html, /javascript:/, 'no link to a non-web URL');
  t.notMatch(m.text, /Read the conversation/);
  const bare = renderReplyEmail(job({ replier: '  ', thread: { title: null, url: null } }), UNSUB);
  t.equal(bare.subject, 'Someone replied to your comment');
});

t.test('the plain text quotes the reply line by line', async (t) => {
  const m = renderReplyEmail(job({ text: 'one\n\ntwo' }), UNSUB);
  t.match(m.text, /\n> one\n>\n> two\n/);
});
