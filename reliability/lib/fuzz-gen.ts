// Requests generated from the OpenAPI document (GET /docs/json) with fast-check, for every route
// it lists plus the hidden ones (health, docs, widget, preflights, unknown paths and methods).
// Values are valid-ish: mostly the real slugs, ids, tokens and cursors made up front (fuzz-seed),
// well-formed new values, and the Big List of Naughty Strings; sometimes wrong types, missing or
// unknown fields, malformed JSON, bad id spellings, odd headers and raw percent sequences.
import fc from 'fast-check';
import { webhookEventTypes } from '@parley/domain';
import { naughtyStrings } from './fuzz-blns.ts';
import type { Fixtures } from './fuzz-seed.ts';
import { validRequests } from './fuzz-valid.ts';

export interface FuzzRequest {
  /** the operation, for the report: "POST /v1/threads/{threadId}/posts" */
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  nullable?: boolean;
}

interface OpenApiOperation {
  parameters?: { name: string; in: 'path' | 'query' | 'header'; schema?: Schema; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>;
}

interface Operation {
  method: string;
  template: string;
  params: { name: string; in: 'path' | 'query' | 'header'; schema: Schema; required: boolean }[];
  body?: Schema;
}

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      const op = raw as OpenApiOperation;
      ops.push({
        method: method.toUpperCase(),
        template,
        params: (op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, schema: p.schema ?? {}, required: !!p.required })),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return ops;
}

type W<T> = { weight: number; arbitrary: fc.Arbitrary<T> };
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>): W<T> => ({ weight, arbitrary });
const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);

const naughty = pick(naughtyStrings);
const lone = fc.tuple(fc.string({ maxLength: 8 }), pick(['\ud800', '\udbff', '\udc00', '\udfff', '\ud83d'])).map(([s, x]) => s + x);
const specials = pick(['', ' ', '\t', '\n', '\u0000', 'a\u0000b', '\u200b', '\ufeff', '\uffff', '\u{10ffff}', '%', '%00', '..', '../../etc/passwd', '${7*7}', '{{7*7}}', '<script>alert(1)</script>', "'; SELECT pg_sleep(10); --", 'null', 'true', '[]', '{}']);
const huge = pick([2000, 20001, 70000]).map((n) => 'x'.repeat(n));
/** any text at all */
const text: fc.Arbitrary<string> = fc.oneof(
  w(5, naughty),
  w(3, fc.string({ maxLength: 40 })),
  w(2, fc.string({ unit: 'grapheme', maxLength: 40 })),
  w(2, fc.string({ unit: 'binary', maxLength: 40 })),
  w(1, lone),
  w(2, specials),
  w(1, fc.string({ unit: 'grapheme', minLength: 190, maxLength: 210 })),
  w(1, huge),
);
const jsonAny = fc.jsonValue({ maxDepth: 2 });

/** Spellings of an id that a lenient parser would read as the id. */
const misspelled = (id: string): fc.Arbitrary<string> =>
  pick([`0${id}`, `+${id}`, ` ${id}`, `${id} `, `${id}.0`, `${id}e0`, `-${id}`, `${id}\n`, `0x${BigInt(id).toString(16)}`, `${id}%00`, `${id}/`, `${id}abc`]);

const edgeIds = pick(['0', '-1', '1', '9223372036854775807', '9223372036854775808', '281474976710656', '281474976710657', '18446744073709551616', '99999999999999999999']);

/** Percent-encodes every byte outside the unreserved set (lone surrogates as their replacement). */
export function encodeBytes(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
const rawPercent = pick(['%', '%zz', '%ED%A0%80', '%C0%AF', '%FF', '%00', '%2F', '%2e%2e', '%E2%82', '%25']);

/** Header values: Node's HTTP client refuses anything outside tab and latin-1. */
const headerSafe = (s: string): string => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');

export function generator(f: Fixtures, doc: OpenApiDoc): fc.Arbitrary<FuzzRequest> {
  const slugs = f.forums.map((x) => x.slug);
  const threadIds = f.threads.map((x) => x.id);
  const postIds = f.posts.map((x) => x.id);
  const webhookIds = f.webhooks.map((x) => x.id);
  const identifiers = f.threads.map((x) => x.identifier);
  const voterKeys = ['fuzz-voter-key-0000000001', 'fuzz-voter-key-0000000002', 'fuzz-voter-key-0000000003'];

  const idOf = (real: string[], others: string[]): fc.Arbitrary<string> =>
    fc.oneof(w(8, pick(real)), w(1, pick(others)), w(2, pick(real).chain(misspelled)), w(1, edgeIds), w(1, fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String)), w(1, text));
  const allIds = [...threadIds, ...postIds, ...webhookIds, ...f.eventIds];
  const slug = fc.oneof(w(8, pick(slugs)), w(2, fc.stringMatching(/^[a-z0-9-]{2,64}$/)), w(1, pick(['Fuzz-Open', 'a', 'x'.repeat(65), 'fuzz_open'])), w(1, text));
  const integer = fc.oneof(w(4, fc.integer({ min: -2, max: 120 })), w(2, fc.integer()), w(1, pick([0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e300, 1.5, -0.5])));
  const urlish = fc.oneof(
    w(4, fc.tuple(pick(['https://site.example/', 'http://127.0.0.1:9/', 'https://[::1]/', 'http://localhost/']), fc.string({ maxLength: 30 })).map(([a, b]) => a + encodeBytes(b))),
    w(1, pick(['javascript:alert(1)', 'ftp://127.0.0.1/x', 'http://', '//site.example/x', 'http://10.0.0.1/x', 'http://169.254.169.254/latest/meta-data', 'https://user:pass@127.0.0.1/x', 'http://0x7f000001/', 'http://[fe80::1%25eth0]/'])),
    w(2, text),
  );
  const email = fc.oneof(w(4, fc.emailAddress()), w(2, text), w(1, pick(['a@b', '@example.com', 'a@b.co', `${'é'.repeat(60)}@${'ü'.repeat(180)}.example`])));
  const origin = fc.oneof(w(4, pick(f.origins)), w(2, pick(['https://evil.example', 'null', 'http://127.0.0.1:3000'])), w(1, text));

  /** Values for fields by name, where the name says more than the schema. */
  const named: Record<string, fc.Arbitrary<unknown>> = {
    slug,
    forum: slug,
    threadId: idOf(threadIds, allIds),
    postId: idOf(postIds, allIds),
    parentId: fc.oneof(w(6, idOf(postIds, allIds)), w(1, fc.constant(null))),
    id: idOf(webhookIds, allIds),
    eventId: idOf(f.eventIds, allIds),
    action: fc.oneof(w(8, pick(['approve', 'spam', 'delete', 'restore'])), w(1, text)),
    message: fc.oneof(w(5, fc.lorem({ maxCount: 20 })), w(3, text), w(1, pick(['**bold** _em_ `code` [link](javascript:alert(1)) <img src=x onerror=alert(1)>', '> quote\n\n- a\n- b', '    code'])), w(1, huge)),
    identifier: fc.oneof(w(5, pick(identifiers)), w(3, fc.string({ minLength: 1, maxLength: 30 })), w(3, text), w(1, pick(['😀'.repeat(200), '😀'.repeat(201), ' page-0 ', 'page-0']))),
    identifiers: fc.array(fc.oneof(w(3, pick(identifiers)), w(2, text)), { maxLength: 20 }),
    url: urlish,
    title: text,
    name: fc.oneof(w(4, fc.lorem({ maxCount: 3 })), w(3, text)),
    email,
    username: fc.oneof(w(3, pick(f.users.map((u) => u.username))), w(3, fc.stringMatching(/^[A-Za-z0-9_-]{2,32}$/)), w(3, text)),
    password: fc.oneof(w(3, pick(f.users.map((u) => u.password))), w(2, fc.string({ minLength: 8, maxLength: 40 })), w(2, text)),
    cursor: fc.oneof(w(4, pick(f.cursors.length ? f.cursors.map((c) => c.cursor) : ['x'])), w(2, jsonAny.map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url'))),
      w(2, fc.record({ s: pick(['oldest', 'newest', 'top', 'x']), p: fc.array(fc.oneof(pick(postIds), edgeIds, text), { maxLength: 3 }), r: integer }).map((c) => Buffer.from(JSON.stringify(c)).toString('base64url'))), w(1, text)),
    sort: fc.oneof(w(8, pick(['oldest', 'newest', 'top'])), w(1, text)),
    token: fc.oneof(w(4, pick(f.unsubscribeTokens)), w(2, pick(f.unsubscribeTokens).map((t) => t.slice(0, -2) + 'AA')), w(2, text)),
    events: fc.array(fc.oneof(w(5, pick(webhookEventTypes)), w(1, text)), { maxLength: 6 }),
    allowedOrigins: fc.array(fc.oneof(w(4, origin), w(1, fc.webUrl())), { maxLength: 4 }),
    value: fc.oneof(w(8, pick([1, -1, 0])), w(1, integer), w(1, jsonAny)),
    notify: fc.oneof(w(8, fc.boolean()), w(1, jsonAny)),
  };

  const bySchema = (s: Schema, depth: number): fc.Arbitrary<unknown> => {
    if (s.enum) return pick(s.enum);
    if (s.anyOf) return fc.oneof(...s.anyOf.map((x) => bySchema(x, depth)));
    switch (s.type) {
      case 'string': return text;
      case 'integer':
      case 'number': return integer;
      case 'boolean': return fc.boolean();
      case 'array': return fc.array(valueOf(s.items ?? {}, '', depth + 1), { maxLength: 5 });
      case 'object': return objectOf(s, depth + 1);
      default: return jsonAny;
    }
  };

  // Mostly the field's own kind of value; now and then anything at all (a wrong type).
  const valueOf = (s: Schema, name: string, depth: number): fc.Arbitrary<unknown> =>
    fc.oneof(w(16, named[name] ?? bySchema(s, depth)), w(1, jsonAny));

  const MISSING = Symbol('missing');
  const objectOf = (s: Schema, depth: number): fc.Arbitrary<unknown> => {
    const required = new Set(s.required ?? []);
    const fields = Object.fromEntries(
      Object.entries(s.properties ?? {}).map(([k, p]) => [k, fc.option(valueOf(p, k, depth), { nil: MISSING, freq: required.has(k) ? 25 : 2 })]),
    );
    const base = fc.record(fields).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== MISSING)));
    const extra = fc.tuple(base, pick(['colour', '__proto__', 'constructor', 'prototype', 'id', 'status', ...naughtyStrings.slice(0, 20)]), jsonAny).map(([o, k, v]) => ({ ...o, [k]: v }));
    return fc.oneof(w(20, base), w(1, extra), w(depth > 1 ? 0 : 1, jsonAny));
  };

  const authorization = fc.oneof(
    w(6, fc.constant(undefined)),
    w(2, fc.constant(f.adminToken)),
    w(4, pick(f.forums.map((x) => x.moderatorKey))),
    w(2, pick(f.users.map((u) => u.token))),
    w(2, pick(f.posts.flatMap((p) => (p.editToken ? [p.editToken] : [])))),
    w(1, pick(['pmk_nope', 'put_nope', 'pet_nope', 'garbage', 'x'.repeat(600)])),
  ).map((token) => (token === undefined ? undefined : `Bearer ${token}`));
  const oddAuthorization = pick(['Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'Bearer', 'Bearer  ', 'bearer pmk_x', 'Bearer a b', 'Token x']);
  const headers = fc.record({
    authorization: fc.oneof(w(12, authorization), w(1, oddAuthorization), w(1, naughty.map((s) => `Bearer ${headerSafe(s)}`))),
    voter: fc.oneof(w(5, fc.constant(undefined)), w(3, pick(voterKeys)), w(1, pick(['short', 'k'.repeat(129), 'spaced key 0000000000'])), w(1, naughty.map(headerSafe))),
    origin: fc.oneof(w(6, fc.constant(undefined)), w(2, origin.map(headerSafe))),
    contentType: fc.oneof(w(24, fc.constant('application/json')), w(1, pick(['text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ''])), w(1, fc.constant(undefined))),
    forwarded: fc.oneof(w(10, fc.constant(undefined)), w(1, fc.ipV4()), w(1, naughty.map(headerSafe))),
  });
  const rawBody = fc.oneof(pick(['{', '[1,', 'null', '"s"', '{"message":}', '\u0000', '{"a":1}{"b":2}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '']), naughty, fc.string({ unit: 'binary', maxLength: 50 }));

  const request = (op: Operation): fc.Arbitrary<FuzzRequest> => {
    const pathParams = op.params.filter((p) => p.in === 'path');
    const queryParams = op.params.filter((p) => p.in === 'query');
    const path = fc.tuple(...pathParams.map((p) => fc.oneof(w(20, valueOf(p.schema, p.name, 0).map((v) => encodeBytes(typeof v === 'string' ? v : JSON.stringify(v) ?? ''))), w(1, rawPercent))))
      .map((values) => pathParams.reduce((acc, p, i) => acc.replace(`{${p.name}}`, values[i] || 'x'), op.template));
    const query = fc.tuple(
      ...queryParams.map((p) => fc.option(fc.oneof(w(10, valueOf(p.schema, p.name, 0)), w(p.schema.type === 'integer' ? 2 : 0, pick(['01', '+1', '1.0', ' 1', '1e3', '0x10', '-0', 'NaN', 'Infinity']))), { nil: undefined, freq: p.required ? 20 : 2 })),
      fc.option(fc.tuple(pick(['page', 'after', 'limit', 'sort', '__proto__', 'token', 'constructor']), text), { freq: 8 }),
    ).map(([...parts]) => {
      const extra = parts.pop() as [string, string] | null;
      const pairs: string[] = [];
      queryParams.forEach((p, i) => {
        const v = parts[i];
        if (v !== undefined) pairs.push(`${p.name}=${encodeBytes(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`);
      });
      if (extra) pairs.push(`${encodeBytes(extra[0])}=${encodeBytes(extra[1])}`);
      return pairs.length ? `?${pairs.join('&')}` : '';
    });
    const body = op.body
      ? fc.oneof(w(24, objectOf(op.body, 0).map((v) => JSON.stringify(v) ?? 'null')), w(1, rawBody), w(1, fc.constant(undefined)))
      : fc.oneof(w(20, fc.constant(undefined)), w(1, objectOf({ type: 'object', properties: {} }, 0).map((v) => JSON.stringify(v))));
    return fc.tuple(path, query, body, headers).map(([p, q, b, h]) => build(`${op.method} ${op.template}`, op.method, p + q, b, h));
  };

  // ending sessions would log the seeded users out for the rest of the run: such a request uses a
  // spare session (fuzz-seed) in place of a seeded user's token
  const seededTokens = new Set(f.users.map((u) => `Bearer ${u.token}`));
  const endsSessions = (method: string, path: string) => method === 'DELETE' && path.startsWith('/v1/sessions');
  // "log out everywhere" ends every session of its user at once: it spends sessions of users of its own
  const spareBearer = (auth: string, path: string) =>
    seededTokens.has(auth) ? `Bearer ${(/^\/v1\/sessions\/?(\?|$)/.test(path) ? f.logoutAllTokens : f.spareTokens).pop() ?? 'put_spent'}` : auth;
  const build = (route: string, method: string, path: string, body: string | undefined, h: { authorization?: string; voter?: string; origin?: string; contentType?: string; forwarded?: string }): FuzzRequest => {
    const headers: Record<string, string> = {};
    if (h.authorization !== undefined) headers.authorization = endsSessions(method, path) ? spareBearer(h.authorization, path) : h.authorization;
    if (h.voter !== undefined) headers['x-parley-voter'] = h.voter;
    if (h.origin !== undefined) headers.origin = h.origin;
    if (h.forwarded !== undefined) headers['x-forwarded-for'] = h.forwarded;
    if (body !== undefined && h.contentType) headers['content-type'] = h.contentType;
    return { route, method, path, headers, body };
  };

  const ops = operationsOf(doc);
  // password hashing (argon2id) makes registration and login cost tens of ms of CPU each: fewer of those, so the run
  // spends its time on every route rather than on password hashing
  const weightOf = (op: Operation) => (op.template === '/v1/users' || op.template === '/v1/sessions' ? 1 : 4);
  // per route: a request built to succeed (fuzz-valid) or a mutated one, about half and half
  const valid = validRequests(f);
  const documented = ops.map((op) => {
    const good = valid[`${op.method} ${op.template}`];
    return w(weightOf(op), good ? fc.oneof(w(1, good), w(1, request(op))) : request(op));
  });
  const hidden = fc.oneof(
    fc.tuple(pick(['GET', 'HEAD']), pick(['/healthz', '/docs/json', '/widget/parley.js', '/widget/parley.css', '/widget/count.js', '/widget/session.js', '/widget/session.css', '/widget/session.html?forum=fuzz-strict&origin=https%3A%2F%2Fother.example', '/widget/session.html?forum=x&forum=y&origin=', '/', '/demo/second', '/moderate', '/moderate/console.js', '/moderate/console.css']), headers).map(([m, p, h]) => build(`${m} ${p}`, m, p, undefined, h)),
    fc.tuple(pick(ops.map((o) => o.template)), headers).map(([tpl, h]) => build('OPTIONS preflight', 'OPTIONS', tpl.replace(/\{[^}]+\}/g, '1'), undefined, { ...h, origin: h.origin ?? 'https://allowed.example' })),
    fc.tuple(pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']), fc.oneof(naughty, fc.string({ maxLength: 20 })), headers).map(([m, s, h]) => build('unknown path', m, `/${encodeBytes(s)}`, undefined, h)),
    fc.tuple(pick(['PUT', 'DELETE', 'PATCH']), pick(ops.map((o) => o.template)), headers).map(([m, tpl, h]) => build('unknown method', m, tpl.replace(/\{[^}]+\}/g, '1'), m === 'DELETE' ? undefined : '{}', h)),
  );
  return fc.oneof(...documented, w(2, hidden));
}

/** `n` requests, drawn in batches from one seed (the same seed gives the same requests). */
export function* requests(arb: fc.Arbitrary<FuzzRequest>, n: number, seed: number, batch = 500): Generator<FuzzRequest> {
  for (let done = 0, b = 0; done < n; b++) {
    const take = Math.min(batch, n - done);
    for (const r of fc.sample(arb, { seed: seed + b, numRuns: take })) yield r;
    done += take;
  }
}
