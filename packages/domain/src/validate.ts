// Domain validation beyond JSON shape: the rules a person can break with well-formed input.
import { ParleyError } from './errors.ts';
import { defaultForumSettings, erasedAuthorPostsModes, type ForumSettings, type GuestAuthor } from './model.ts';
import { checkModerationSettings, mergeModerationSettings, type ModerationSettingsPatch } from './moderation/settings.ts';

export const slugPattern = /^[a-z0-9-]{2,64}$/;
export const usernamePattern = /^[A-Za-z0-9_-]{2,32}$/;
// Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is the mailer's job.
const emailPattern = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:.]{2,}$/;
/** Ids are decimal bigints, with exactly one spelling: no sign, no leading zeros, no spaces, no fraction. */
export const idPattern = /^[1-9][0-9]{0,18}$/;
const MAX_ID = 9223372036854775807n;
/** A whole number written in a query string: plain digits, one spelling ("12", never "012", "+12", "12.0", " 12"). */
export const integerTextPattern = /^(?:0|-?[1-9][0-9]{0,15})$/;

export function checkSlug(slug: string): string {
  if (!slugPattern.test(slug)) throw new ParleyError('invalid_slug', { details: { slug } });
  return slug;
}

/** The one id rule; checkId is its throwing form, and every id from a request goes through one of them. */
export const isId = (id: unknown): id is string => typeof id === 'string' && idPattern.test(id) && BigInt(id) <= MAX_ID;

export function checkId(id: string, what = 'id'): string {
  if (!isId(id as unknown)) {
    throw new ParleyError('invalid_id', { message: `The ${what} "${id.slice(0, 40)}" is not a valid id.` });
  }
  return id;
}

export function checkMessage(message: string, maxLength: number): string {
  if (message.trim().length === 0) throw new ParleyError('message_empty');
  const length = [...message].length;
  if (length > maxLength) {
    throw new ParleyError('message_too_long', {
      message: `The comment is ${length} characters long; the limit is ${maxLength}.`,
      details: { length, maxLength },
    });
  }
  return message;
}

export function checkEmail(email: string): string {
  if (email.length > 254 || !emailPattern.test(email)) throw new ParleyError('invalid_email', { details: { email: email.slice(0, 100) } });
  return email;
}

/**
 * A guest's name and email under the forum's policy: a field left out or blank is missing
 * (`name_required`, `email_required`), which a reader fixes differently from a wrong one.
 */
export function checkGuestAuthor(author: { name?: string; email?: string }, policy: { emailRequired: boolean } = { emailRequired: true }): GuestAuthor {
  const name = (author.name ?? '').trim();
  if (name.length === 0) throw new ParleyError('name_required');
  if (name.length > 64) throw new ParleyError('invalid_author', { message: 'A guest name is 1 to 64 characters.' });
  const email = (author.email ?? '').trim();
  if (email.length === 0) {
    if (policy.emailRequired) throw new ParleyError('email_required');
    return { name, email: null };
  }
  return { name, email: checkEmail(email) };
}

export function checkUsername(username: string): string {
  if (!usernamePattern.test(username)) throw new ParleyError('invalid_username');
  return username;
}

export function checkPassword(password: string): string {
  if (password.length < 8) throw new ParleyError('weak_password');
  return password;
}

const settingsLimits = {
  editWindowSeconds: [0, 7 * 24 * 3600],
  maxDepth: [0, 20],
} as const;

/** A settings change: any top-level setting; the moderation rules section by section. */
export type ForumSettingsPatch = Partial<Omit<ForumSettings, 'moderation'>> & { moderation?: ModerationSettingsPatch };

/** Merges a partial settings change over the current settings and checks the result. */
export function mergeSettings(current: ForumSettings, change: ForumSettingsPatch = {}): ForumSettings {
  const next: ForumSettings = {
    ...defaultForumSettings,
    ...current,
    ...change,
    moderation: checkModerationSettings(mergeModerationSettings(current.moderation, change.moderation)),
  };
  for (const [key, [min, max]] of Object.entries(settingsLimits) as [keyof typeof settingsLimits, readonly [number, number]][]) {
    const v = next[key];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ParleyError('invalid_settings', { message: `${key} must be a whole number from ${min} to ${max}.`, details: { [key]: v } });
    }
  }
  for (const origin of next.allowedOrigins) {
    let ok = false;
    try {
      const u = new URL(origin);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === origin;
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new ParleyError('invalid_settings', {
        message: `allowedOrigins entries are origins like https://example.com (no path or trailing slash); got "${String(origin).slice(0, 100)}".`,
      });
    }
  }
  if (next.allowedOrigins.length > 50) throw new ParleyError('invalid_settings', { message: 'allowedOrigins holds at most 50 origins.' });
  if (next.ssoJwksUrl !== null) {
    let ok = false;
    try {
      const u = new URL(next.ssoJwksUrl);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && next.ssoJwksUrl.length <= 2048;
    } catch {
      ok = false;
    }
    if (!ok) throw new ParleyError('invalid_settings', { message: 'ssoJwksUrl must be an absolute https URL (the site\'s JWKS), or null.' });
  }
  if (next.ssoAudience !== null && (typeof next.ssoAudience !== 'string' || next.ssoAudience.length === 0 || next.ssoAudience.length > 256)) {
    throw new ParleyError('invalid_settings', { message: 'ssoAudience must be 1 to 256 characters, or null (the forum\'s slug).' });
  }
  if (!(erasedAuthorPostsModes as readonly unknown[]).includes(next.erasedAuthorPosts)) {
    throw new ParleyError('invalid_settings', { message: `erasedAuthorPosts must be one of ${erasedAuthorPostsModes.join(', ')}.` });
  }
  return next;
}

/**
 * Text Postgres cannot store: a NUL (text columns refuse 0x00) or a lone UTF-16 surrogate (not
 * Unicode; the driver would silently store U+FFFD instead, so what was sent is not what is kept).
 * Returns why, or undefined when the text is storable.
 */
export function unstorableText(s: string): 'nul' | 'lone_surrogate' | undefined {
  if (s.includes('\u0000')) return 'nul';
  if (!s.isWellFormed()) return 'lone_surrogate';
  return undefined;
}

const textProblems = { nul: 'a NUL character (U+0000)', lone_surrogate: 'a lone UTF-16 surrogate' } as const;

/** Throws invalid_text naming the field when `s` holds text Postgres cannot store. */
export function checkText(s: string, field: string): string {
  const problem = unstorableText(s);
  if (problem) {
    throw new ParleyError('invalid_text', {
      message: `${field} contains ${textProblems[problem]}, which cannot be stored; remove it and send again.`,
      details: { field, problem },
    });
  }
  return s;
}

/**
 * Checks every string in a parsed request part (JSON body, query, params), keys included, and
 * names the first bad one by its path (`body.author.name`, `body.identifiers.3`).
 */
export function checkTextDeep(value: unknown, field: string, depth = 0): void {
  if (typeof value === 'string') {
    checkText(value, field);
    return;
  }
  if (value === null || typeof value !== 'object' || depth > 64) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkTextDeep(value[i], `${field}.${i}`, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    checkText(k, `${field} key`);
    checkTextDeep(v, `${field}.${k}`, depth + 1);
  }
}
