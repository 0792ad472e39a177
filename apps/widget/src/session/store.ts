// The session as the frame keeps it: in the frame's own localStorage, which belongs to the Parley
// origin (and, in browsers that partition third-party storage, to the host site too). The host
// page cannot read it. One session per forum: a forum's SSO users are that forum's only.
import type { Reader } from './protocol.ts';

export interface Session {
  token: string;
  user: Reader;
  /** what signed the reader in by SSO (`disqus:<payload>` or `jwt:<token>`), to skip signing in again */
  sso?: string;
}

export function sessionStore(forum: string) {
  const key = `parley:session:${forum}`;
  return {
    key,
    get(): Session | undefined {
      try {
        const s = JSON.parse(localStorage.getItem(key) ?? 'null');
        return s && typeof s.token === 'string' && s.user ? s : undefined;
      } catch {
        return undefined;
      }
    },
    set(s: Session | undefined): void {
      try {
        if (s) localStorage.setItem(key, JSON.stringify(s));
        else localStorage.removeItem(key);
      } catch {
        // private mode or full: signed in for this page only
      }
    },
  };
}
