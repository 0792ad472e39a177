// Telling "the database is away" apart from every other error. A Postgres restart, a failover or
// a network cut surfaces as one of a handful of errors: socket errors while connecting or talking,
// pg's "Connection terminated", and the server's own SQLSTATEs for shutting down and starting up.
// Those become one ParleyError, `database_unavailable` (503), at the data seam, so every caller
// (API, worker, realtime) sees the same thing and nobody matches on error text elsewhere.
import { ParleyError } from '@parley/domain';

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
/** admin_shutdown, crash_shutdown, cannot_connect_now (starting up, in recovery), too_many_connections */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
// pg raises these as plain Errors with no code
const PG_MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/, /is not queryable/, /^Client was closed and is not queryable/];

export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || SERVER_CODES.has(code)) return true;
    // class 08: connection exception
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  return PG_MESSAGES.some((re) => re.test(err.message));
}

/** The error callers see when the database is away; the original goes to the log only. */
export const databaseUnavailable = (cause: unknown): ParleyError => new ParleyError('database_unavailable', { internal: cause });

/** Rethrows a connection error as `database_unavailable`, anything else as it is. */
export function translateConnectionError(err: unknown): never {
  throw isConnectionError(err) ? databaseUnavailable(err) : err;
}
