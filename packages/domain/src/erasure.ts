// Erasing a person (docs/adr/0011): what their posts become, and how an event snapshot is
// scrubbed of them. Pure: the worker's erasure job reads and writes, this decides.
import type { ErasedAuthorPosts } from './model.ts';

/** The name an erased author's posts show from then on. */
export const ERASED_AUTHOR_NAME = 'deleted user';

/** The snapshot of `UserErased`: the account that was deleted and the erasure that cleans up after it. */
export interface UserErasure {
  userId: string;
  erasureId: string;
}

/** The snapshot of `GuestErasureRequested`: a guest's confirmed request to erase the posts under their address. */
export interface GuestErasure {
  erasureId: string;
}

/** Whom an erasure is about: an account (by id), or a guest (by the address on their comments). */
export interface ErasureSubject {
  userId: string | null;
  /** lower-cased personal values (names, addresses, picture URLs) that must leave every snapshot */
  values: readonly string[];
}

/** How a forum's setting treats an erased author's post: anonymize keeps the text, remove blanks it. */
export const removesContent = (mode: ErasedAuthorPosts): boolean => mode === 'remove';

/** Fields whose scrubbed value becomes null rather than the erased name (they are not names). */
const nullWhenErased = /(email|url|picture|recipient)$/i;
/** Identifiers are never values to scrub: a site's user id "7" must not erase post "7". */
const identifierKey = /^(id|.*Id|seq|revision)$/;
/** The personal fields of a record that is about the subject: scrubbed whatever they hold (an old name, say). */
const personalKey = /^(username|displayName|name|authorName|email|avatarUrl|profileUrl|picture|recipient)$/;

export interface ScrubOptions {
  /** posts of the subject: their name goes whatever it was then (an author renamed since) */
  postsOfSubject?: ReadonlySet<string>;
  /** and their text goes too (their forum removes an erased author's posts) */
  removeContent?: boolean;
}

const erasedValue = (key: string): string | null => (nullWhenErased.test(key) ? null : ERASED_AUTHOR_NAME);
/** An address or a URL names one person wherever it appears; a name may be someone else's too. */
const isContact = (v: string): boolean => v.includes('@') || v.includes('://');

/**
 * A snapshot (a decoded msgpack value) without the subject. A record is about the subject when it
 * is their user record, carries their `userId` or `authorUserId`, is one of `postsOfSubject`, or
 * holds one of their addresses in a personal field (a mail to them): there every personal field is
 * erased whatever it holds (a name used before a rename goes too), `authorUserId` becomes null and,
 * with `removeContent`, a post's text goes. Anywhere else only their addresses and URLs are
 * replaced: a name alone may be another person's (an SSO user of another forum, a guest who signs
 * the same way). Erased names become "deleted user", addresses and URLs null. Identifiers are never
 * touched. Returns the same object when nothing changed, so the caller writes back only what did.
 */
export function scrubSnapshot(value: unknown, subject: ErasureSubject, opts: ScrubOptions = {}): unknown {
  const values = new Set(subject.values.map((v) => v.trim().toLowerCase()).filter((v) => v.length > 0));
  const theirs = (v: unknown): boolean => typeof v === 'string' && values.has(v.trim().toLowerCase());
  const aboutSubject = (r: Record<string, unknown>): boolean => {
    if (typeof r.id === 'string' && opts.postsOfSubject?.has(r.id) && 'authorName' in r) return true;
    if (subject.userId !== null && (r.userId === subject.userId || r.authorUserId === subject.userId || (r.id === subject.userId && 'username' in r))) return true;
    return Object.entries(r).some(([k, v]) => personalKey.test(k) && typeof v === 'string' && isContact(v) && theirs(v));
  };
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return !identifierKey.test(key) && isContact(v) && theirs(v) ? erasedValue(key) : v;
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((item) => {
        const next = walk(item, key);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? out : v;
    }
    if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof Uint8Array) return v;
    const record = v as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    const set = (k: string, next: unknown) => {
      if (next === record[k]) return;
      out ??= { ...record };
      out[k] = next;
    };
    for (const [k, item] of Object.entries(record)) set(k, walk(item, k));
    if (aboutSubject(record)) {
      for (const [k, item] of Object.entries(record)) {
        if (typeof item !== 'string' || identifierKey.test(k)) continue;
        if ((personalKey.test(k) || theirs(item)) && item !== erasedValue(k)) set(k, erasedValue(k));
      }
      if (subject.userId !== null && record.authorUserId === subject.userId) set('authorUserId', null);
      if (opts.removeContent && typeof record.id === 'string' && opts.postsOfSubject?.has(record.id)) {
        if (typeof record.message === 'string' && record.message !== '') set('message', '');
        if (typeof record.html === 'string' && record.html !== '') set('html', '');
      }
    }
    return out ?? v;
  };
  return walk(value, '');
}
