// HTTP calls for the load generators, classified by what a retrying client can know: an answer
// (with its status), "not sent" (the connection was refused: nothing reached the server), or "no
// answer" (the request may have been processed: a reset, a timeout).
export type Outcome =
  | { kind: 'answer'; status: number; body: unknown }
  | { kind: 'not-sent'; error: string }
  | { kind: 'no-answer'; error: string };

export interface CallOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function call(base: string, method: string, path: string, o: CallOptions = {}): Promise<Outcome> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (a proxy page, an empty 503)
    }
    return { kind: 'answer', status: res.status, body };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const code = e.cause?.code ?? e.name;
    const error = `${code}: ${e.cause?.message ?? e.message}`;
    return code === 'ECONNREFUSED' ? { kind: 'not-sent', error } : { kind: 'no-answer', error };
  }
}

/** A call that must succeed (set-up steps): retried while the stack is coming up, then thrown. */
export async function must<T>(base: string, method: string, path: string, o: CallOptions & { want: number[] }, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const r = await call(base, method, path, o);
    if (r.kind === 'answer' && o.want.includes(r.status)) return r.body as T;
    if (Date.now() > end || (r.kind === 'answer' && r.status < 500)) {
      throw new Error(`${method} ${path}: ${r.kind === 'answer' ? `${r.status} ${JSON.stringify(r.body)}` : r.error}`);
    }
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

export const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));
