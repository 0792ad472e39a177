// The console's calls to the API, on its own origin, with the moderator's credential. Refusals
// come back as ApiError with the API's own message, which the console shows as it is.
import { ApiError, makeApi } from '../api.ts';
import type { ConsoleSession } from './session.ts';

export { ApiError };

export type Call = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

export function makeCall(session: Pick<ConsoleSession, 'token'>): Call {
  const api = makeApi(location.origin);
  const headers: Record<string, string> = session.token ? { authorization: `Bearer ${session.token}` } : {};
  return (method, path, body) => api(method, path, body, headers);
}

/** The forum's path prefix: /v1/forums/<slug> */
export const forumPath = (slug: string): string => `/v1/forums/${encodeURIComponent(slug)}`;

/** An error's words for the moderator: the API's message, or what went wrong on the way. */
export const messageOf = (err: unknown): string =>
  err instanceof ApiError ? (err.code === 'network' ? 'The server could not be reached; try again.' : err.message) : String((err as Error)?.message ?? err);
