// What the widget keeps in this browser's localStorage, under `parley:` keys: the guest's name,
// email and notify choice, the edit tokens of their own comments (with the message as written),
// their votes, and their anonymous voter key. Private mode or a full storage only makes it forget.

export interface Own {
  /** edit token; empty for a signed-in reader's comment (the session frame edits it) */
  t: string;
  /** whose comment it is when `t` is empty: the signed-in reader's id (theirs only while they are signed in) */
  u?: string;
  /** the message as written (the API returns only the rendered HTML); unknown for a signed-in
   * reader's comment written in another browser */
  m?: string;
}

export interface Author {
  name?: string;
  email?: string;
  notify?: boolean;
}

function get<T>(key: string): T | undefined {
  try {
    return JSON.parse(localStorage.getItem(`parley:${key}`) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

function set(key: string, value: unknown): void {
  try {
    localStorage.setItem(`parley:${key}`, JSON.stringify(value));
  } catch {
    // private mode or full: the widget works, it just forgets
  }
}

/** Keeps the newest `max` entries of a map stored under `key`. */
function remember<T>(key: string, id: string, value: T | undefined, max: number): void {
  const all = get<Record<string, T>>(key) ?? {};
  delete all[id];
  if (value !== undefined) all[id] = value;
  const ids = Object.keys(all);
  for (const old of ids.slice(0, Math.max(0, ids.length - max))) delete all[old];
  set(key, all);
}

/** the reader's own comment: its edit token and message, if this browser wrote it */
export const owned = (id: string): Own | undefined => get<Record<string, Own>>('own')?.[id];
export const rememberOwn = (id: string, own: Own): void => remember('own', id, own, 200);

/** the reader's vote on a comment: 1, -1 or 0 */
export const myVote = (id: string): number => get<Record<string, number>>('votes')?.[id] ?? 0;
export const rememberVote = (id: string, value: number): void => remember('votes', id, value || undefined, 500);

export const savedAuthor = (): Author => get<Author>('author') ?? {};
export const saveAuthor = (a: Author): void => set('author', a);

/** this browser's anonymous voter key, made on first use */
export function voter(): string {
  let key = get<string>('voter');
  if (!key) {
    key = Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) => b.toString(16).padStart(2, '0')).join('');
    set('voter', key);
  }
  return key;
}
