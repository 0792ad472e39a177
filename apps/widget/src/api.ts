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

export const makeApi =
  (base: string): Api =>
  async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError('network', 'network');
    }
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(json?.error?.code ?? 'other', json?.error?.message ?? res.statusText);
    return json as T;
  };
