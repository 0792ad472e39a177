// Keyset cursors. A cursor is the sort key of the last post on a page, opaque to clients
// (base64url JSON). Page N costs what page 1 costs, and a post appears once across pages
// even while new posts arrive.
import { ParleyError } from './errors.ts';
import { isId } from './validate.ts';

export const sorts = ['oldest', 'newest', 'top'] as const;
export type Sort = (typeof sorts)[number];

/** oldest: path order. newest: root id descending, then path. top: root score descending, root id descending, then path. */
export interface Cursor {
  sort: Sort;
  path: string[];
  rootScore?: number;
}

/** A cursor's body as its opaque text. */
export const encodeCursorJson = (body: object): string => Buffer.from(JSON.stringify(body)).toString('base64url');

/** A cursor's body back from its text: an object, or invalid_cursor (the message when given). */
export function decodeCursorJson(raw: string, message?: string): Record<string, unknown> {
  const bad = (): never => {
    throw new ParleyError('invalid_cursor', message ? { message } : {});
  };
  if (raw.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(raw)) bad();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return bad();
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad();
  return body as Record<string, unknown>;
}

export function encodeCursor(c: Cursor): string {
  return encodeCursorJson(c.sort === 'top' ? { s: c.sort, p: c.path, r: c.rootScore } : { s: c.sort, p: c.path });
}

export function decodeCursor(raw: string, sort: Sort): Cursor {
  const bad = (): never => {
    throw new ParleyError('invalid_cursor');
  };
  const body = decodeCursorJson(raw);
  const { s, p, r } = body as { s?: unknown; p?: unknown; r?: unknown };
  if (s !== sort) {
    throw new ParleyError('invalid_cursor', { message: `This cursor belongs to sort=${String(s).slice(0, 20)}; start again from the first page of sort=${sort}.` });
  }
  if (!Array.isArray(p) || p.length === 0 || p.length > 64 || !p.every(isId)) bad();
  // scores are Postgres integers
  if (sort === 'top' && (typeof r !== 'number' || !Number.isInteger(r) || Math.abs(r) > 2147483647)) bad();
  return { sort, path: p as string[], ...(sort === 'top' ? { rootScore: r as number } : {}) };
}
