// What a user may set on their own profile. An SSO user's profile is its site's (refused in the
// command); these rules are for Parley's own accounts.
import { ParleyError } from './errors.ts';

export const DISPLAY_NAME_MAX = 64;
export const AVATAR_URL_MAX = 2048;

// control characters (C0, DEL, C1) and the line and paragraph separators: a name is one line
const controlChars = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A display name, trimmed; null clears it (the username shows). */
export function checkDisplayName(name: string | null): string | null {
  if (name === null) return null;
  const trimmed = name.trim();
  if (trimmed.length === 0 || [...trimmed].length > DISPLAY_NAME_MAX || controlChars.test(trimmed)) throw new ParleyError('invalid_display_name');
  return trimmed;
}

/** An avatar URL: absolute http(s), no credentials in it; null removes the picture. */
export function checkAvatarUrl(url: string | null): string | null {
  if (url === null) return null;
  let ok = false;
  try {
    const u = new URL(url);
    ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '' && url.length <= AVATAR_URL_MAX && !/\s/.test(url);
  } catch {
    ok = false;
  }
  if (!ok) throw new ParleyError('invalid_avatar_url', { details: { avatarUrl: url.slice(0, 100) } });
  return url;
}
