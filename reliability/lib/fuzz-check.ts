// What makes a response a failure: a 5xx; internals in the body (stack frames, file paths, SQL
// text, Postgres or Node error messages); or a 4xx without the error shape. A pattern the request
// itself carried (or one of the naughty strings, which stored content may echo) is not a leak:
// the API may echo what it was sent.
import { naughtyStrings } from './fuzz-blns.ts';

export const LEAK_PATTERNS: { name: string; re: RegExp }[] = [
  { name: 'stack frame', re: /\n\s+at [^\n]+:\d+:\d+|\bat [\w$.<>]+ \((?:file:\/\/|\/|node:)[^)]*:\d+:\d+\)/ },
  { name: 'file path', re: /\/work\/|node_modules|file:\/\/\/|\/home\/[\w.-]+\/|\/tmp\/parley|\b[\w-]+\.ts:\d+/ },
  { name: 'postgres message', re: /invalid byte sequence for encoding|invalid input syntax for type|violates (?:unique|foreign key|check|not-null|exclusion) constraint|duplicate key value|relation "[^"]+" does not exist|column "[^"]+" (?:does not exist|of relation)|syntax error at or near|value too long for type|out of range for type|index row (?:size|requires)|unsupported Unicode escape sequence|current transaction is aborted|could not serialize access|deadlock detected|canceling statement due to|\bSQLSTATE\b|null value in column/i },
  { name: 'SQL text', re: /\bSELECT\b[\s\S]{1,200}?\bFROM\s+(?:posts|threads|forums|users|sessions|events|votes|webhooks|webhook_deliveries|email_log|email_optouts)\b|\bINSERT INTO\s+\w+|\bUPDATE\s+(?:posts|threads|forums|users)\s+SET\b|\$\d+::(?:bigint|text|int|boolean)/i },
  { name: 'node error', re: /\b(?:TypeError|RangeError|ReferenceError|SyntaxError|AggregateError): |\bFST_ERR_[A-Z_]+|\bERR_[A-Z_]{4,}\b|\bE(?:CONNREFUSED|CONNRESET|PIPE|ADDRINUSE)\b|Cannot read properties of (?:undefined|null)|is not a function\b/ },
];

const naughtyText = naughtyStrings.join('\n');

/** The internals `body` shows that neither the request nor the naughty strings carried. */
export function leaksIn(body: string, requestText: string): string[] {
  const found: string[] = [];
  for (const { name, re } of LEAK_PATTERNS) {
    const m = re.exec(body);
    if (!m) continue;
    const hit = m[0];
    // JSON escapes what it echoes; compare with the request both ways
    if (requestText.includes(hit) || naughtyText.includes(hit) || requestText.includes(JSON.stringify(hit).slice(1, -1))) continue;
    if (re.test(requestText)) continue;
    found.push(`${name}: ${JSON.stringify(hit.slice(0, 80))}`);
  }
  return found;
}

export type Verdict = { kind: '5xx' | 'leak' | 'shapeless'; detail: string } | undefined;

/** Judges one response. `requestText` is the request's path, headers and body as sent. */
export function judge(method: string, status: number, contentType: string | undefined, body: string, requestText: string): Verdict {
  if (status >= 500) return { kind: '5xx', detail: body.slice(0, 300) };
  const leaks = leaksIn(body, requestText);
  if (leaks.length) return { kind: 'leak', detail: leaks.join('; ') };
  if (status >= 400 && method !== 'HEAD') {
    let code: unknown;
    try {
      code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    } catch {
      code = undefined;
    }
    if (typeof code !== 'string') return { kind: 'shapeless', detail: `${status} ${contentType ?? ''} ${body.slice(0, 200)}` };
  }
  return undefined;
}
