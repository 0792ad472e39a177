// What the accounts tests share: the API over real HTTP (headers included), a real SMTP server, the
// worker drained by the test, and helpers to register and to read the links out of the mails.
import { decodeSnapshot, type Config } from '@parley/data';
import { testApi, type TestApi } from '../../../test/harness/app.ts';
import type { TapTest } from '../../../test/harness/db.ts';
import { testSmtp, type ReceivedMail, type TestSmtp } from '../../../test/harness/smtp.ts';
import { until } from '../../../test/harness/until.ts';
import { testWorker, type TestWorker } from '../../../test/harness/worker.ts';

export const SECRET = 'test-secret-for-account-links';
export const PUBLIC_URL = 'http://parley.test';
export const PASSWORD = 'a long enough password';

export interface HttpReply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface AccountsEnv {
  api: TestApi;
  smtp: TestSmtp;
  worker: TestWorker;
  /** what the worker logged */
  logs: string[];
  base: string;
  http(method: string, path: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string> }): Promise<HttpReply>;
  /** registers a user: its id and session token */
  register(username: string, email: string, password?: string): Promise<{ id: string; token: string }>;
  /** drains the worker until `n` mails in all have arrived */
  mails(n: number): Promise<ReceivedMail[]>;
  /** the rows of the log's account events (type, actor, decoded snapshot) */
  accountEvents(type: string): Promise<{ actor: string; snapshot: any }[]>;
}

export async function accountsEnv(t: TapTest, overrides: Partial<Config> = {}): Promise<AccountsEnv> {
  const smtp = await testSmtp(t);
  const api = await testApi(t, { secret: SECRET, publicUrl: PUBLIC_URL, smtpUrl: smtp.url, ...overrides });
  const logs: string[] = [];
  const worker = await testWorker(t, { db: api.db, url: api.url, config: api.config }, { log: (line) => logs.push(line) });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const http: AccountsEnv['http'] = async (method, path, opts = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // a page, not JSON
    }
    return { status: res.status, body, text, headers: res.headers };
  };

  return {
    api,
    smtp,
    worker,
    logs,
    base,
    http,
    async register(username, email, password = PASSWORD) {
      const r = await http('POST', '/v1/users', { body: { username, email, password } });
      if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
      return { id: r.body.user.id as string, token: r.body.token as string };
    },
    // a password-reset request's links are issued by the worker: drain until the mails are there
    mails: (n) =>
      until(`${n} mail(s)`, 20_000, async () => {
        await worker.drain();
        return smtp.messages.length >= n ? smtp.messages : undefined;
      }),
    async accountEvents(type) {
      const { rows } = await api.db.exec({ area: 'accounts', mode: 'read', fresh: true }, 'SELECT actor, snapshot FROM events WHERE type = $1 AND forum_id IS NULL ORDER BY id', [type]);
      return rows.map((r) => ({ actor: r.actor as string, snapshot: decodeSnapshot(r.snapshot as Buffer) }));
    },
  };
}

/** The link in a mail's plain text, and the token in its fragment. */
export function linkOf(mail: ReceivedMail): { url: URL; token: string } {
  const m = /(http:\/\/parley\.test\/account\/\w+#token=[\w.-]+)/.exec(mail.text);
  if (!m) throw new Error(`no link in: ${mail.text}`);
  const url = new URL(m[1]);
  return { url, token: url.hash.replace(/^#token=/, '') };
}
