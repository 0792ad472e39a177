// The console's credential: the forum's moderator key, or a moderator account's session token,
// kept in sessionStorage of the console's own origin (the API's): it lasts as long as the tab,
// no other origin's page can read it, and closing the tab forgets it.
export interface ConsoleSession {
  /** the forum moderated, by slug */
  slug: string;
  token: string;
  /** how the moderator signed in: `key` (the forum's pmk_ key) or `account` (a session token) */
  kind: 'key' | 'account';
  /** who, for the header: the account's username, or "moderator key" */
  who: string;
}

const KEY = 'parley:console';

export function loadSession(): ConsoleSession | undefined {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return s && typeof s.slug === 'string' && typeof s.token === 'string' && (s.kind === 'key' || s.kind === 'account') ? s : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: ConsoleSession | undefined): void {
  try {
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage refused (private mode): signed in until the page reloads
  }
}

const NOTICE = 'parley:console:notice';

/** A line for the sign-in form after a reload (why the console signed out by itself). */
export function leaveNotice(text: string): void {
  try {
    sessionStorage.setItem(NOTICE, text);
  } catch {
    // not kept: the form shows no reason
  }
}

export function takeNotice(): string {
  try {
    const text = sessionStorage.getItem(NOTICE) ?? '';
    sessionStorage.removeItem(NOTICE);
    return text;
  } catch {
    return '';
  }
}
