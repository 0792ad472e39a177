// The HTTP side: JSON requests to the Parley API, and its errors as one type the UI can word.
// The post JSON of the read API and of realtime events: the server's own type (erased by the build).
export type { PostView } from '../../../packages/domain/src/views.ts';

export interface ThreadView {
  id: string;
  lastSeq: number;
  postCount: number;
}

export interface ForumView {
  settings: { maxDepth: number; editWindowSeconds: number; preModeration: boolean };
}

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
