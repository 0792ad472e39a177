// A real SMTP server for a test (npm `smtp-server`): no auth, no TLS, on 127.0.0.1 and a free
// port. Every message that arrives is parsed (`mailparser`) into `messages`; `waitFor(n)` resolves
// once n have arrived, or fails at its deadline. `refuseWith(code)` makes the server answer the
// next messages with that SMTP code instead of accepting them. Closed on teardown.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { TapTest } from './db.ts';

export interface ReceivedMail {
  /** RCPT TO addresses, as the client gave them */
  to: string[];
  from: string;
  parsed: ParsedMail;
  subject: string;
  text: string;
  html: string;
  headers: ParsedMail['headers'];
}

export interface TestSmtp {
  /** smtp://127.0.0.1:<port> (for SMTP_URL) */
  url: string;
  messages: ReceivedMail[];
  waitFor(n: number, deadlineMs?: number): Promise<ReceivedMail[]>;
  refuseWith(code: number | null): void;
  close(): Promise<void>;
}

export async function testSmtp(t: TapTest): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let refuse: number | null = null;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          if (refuse !== null) {
            const err = Object.assign(new Error(`refused by the test (${refuse})`), { responseCode: refuse });
            return callback(err);
          }
          messages.push({
            to: session.envelope.rcptTo.map((a) => a.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            parsed,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            headers: parsed.headers,
          });
          for (const w of waiters) w();
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  const close = () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve())));
  t.teardown(close);

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refuseWith(code) {
      refuse = code;
    },
    waitFor(n, deadlineMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp: ${messages.length} of ${n} message(s) arrived within ${deadlineMs} ms`));
        }, deadlineMs);
        waiters.add(check);
        check();
      });
    },
    close,
  };
}
