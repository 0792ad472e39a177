// The HTTP side: JSON requests to the Parley API, and its errors as one type the UI can word.
export interface PostView {
  id: string;
  parentId: string | null;
  depth: number;
  author: { name: string } | null;
  html: string;
  status: string;
  score: number;
  replyCount: number;
  revision: number;
  createdAt: string;
  editedAt: string | null;
  tombstone?: true;
}

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
