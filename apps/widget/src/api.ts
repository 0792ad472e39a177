// The HTTP side: JSON requests to the Parley API, and its errors as one type the UI can word.
// The bodies are the domain's view types (domain.ts).
export class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export type Api = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

/**
 * Read-your-writes: a write's answer may carry `Parley-Lsn` (its commit's place in the database's
 * log); sending it back on later requests has them served by a replica that has that write, or by
 * the primary. The latest one this page saw is kept.
 */
const LSN = 'parley-lsn';

export const makeApi = (base: string): Api => {
  let lsn: string | undefined;
  return async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    let res: Response;
    const sent = lsn ? { ...headers, [LSN]: lsn } : headers;
    try {
      res = await fetch(base + path, {
        method,
        headers: body === undefined ? sent : { 'content-type': 'application/json', ...sent },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError('network', 'network');
    }
    lsn = res.headers.get(LSN) ?? lsn;
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(json?.error?.code ?? 'other', json?.error?.message ?? res.statusText);
    return json as T;
  };
};
