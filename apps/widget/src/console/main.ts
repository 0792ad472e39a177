// The moderation console's entry (served by the API at /moderate; README.md here). Signed out, it
// shows the sign-in form; signed in, the forum's queue, bans, blocklist, rules and log, one tab each.
import { h, on } from '../dom.ts';
import { ApiError, forumPath, makeCall, messageOf, type Call } from './client.ts';
import { leaveNotice, loadSession, saveSession, takeNotice, type ConsoleSession } from './session.ts';
import { signInView, verify } from './signin-view.ts';
import { queueView } from './queue-view.ts';
import { bansView } from './bans-view.ts';
import { blocklistView } from './blocklist-view.ts';
import { rulesView } from './rules-view.ts';
import { logView } from './log-view.ts';
import type { ForumView } from './types.ts';

/** What every tab gets: the credential, its calls, the forum, and the shared status line. */
export interface ConsoleContext {
  session: ConsoleSession;
  call: Call;
  forum: ForumView;
  /** the forum's /v1/forums/<slug> */
  base: string;
  say(text: string): void;
  /** the forum as the API answered after a change (settings) */
  setForum(f: ForumView): void;
  /** the credential stopped working (signed out elsewhere, key rotated, role removed): sign out, saying why */
  expire(message: string): void;
}

export interface Tab {
  el: HTMLElement;
  /** the tab was opened: load what it shows */
  show(): void;
  /** a key pressed while the tab is open and no field has focus */
  key?(e: KeyboardEvent): void;
}

const root = document.getElementById('console')!;

function signedOut(lastSlug = '', notice = ''): void {
  root.replaceChildren(signInView(signedIn, lastSlug));
  root.dataset.state = 'signed-out';
  root.querySelector('.console-error')!.textContent = notice;
  (root.querySelector('input[name=forum]') as HTMLInputElement | null)?.focus();
}

/** Starts again signed out, with the reason on the sign-in form: a reload leaves no socket or state behind. */
function expire(session: ConsoleSession, message: string): void {
  saveSession(undefined);
  leaveNotice(`Signed out: ${message}`);
  location.replace(`${location.pathname}?forum=${encodeURIComponent(session.slug)}`);
}

async function signedIn(session: ConsoleSession): Promise<void> {
  saveSession(session);
  const raw = makeCall(session);
  // a 401 on any call means the credential is gone, whichever tab asked
  const call: Call = <T>(method: string, path: string, body?: unknown) =>
    raw<T>(method, path, body).catch((err: unknown): never => {
      if (err instanceof ApiError && err.code === 'unauthorized') expire(session, err.message);
      throw err;
    });
  let forum: ForumView;
  try {
    forum = await verify(session);
  } catch (err) {
    saveSession(undefined);
    signedOut(session.slug, messageOf(err));
    return;
  }
  const status = h('p', { class: 'console-status', role: 'status' });
  const ctx: ConsoleContext = {
    session,
    call,
    forum,
    base: forumPath(session.slug),
    say: (text) => (status.textContent = text),
    setForum: (f) => (ctx.forum = f),
    expire: (message) => expire(session, message),
  };
  const tabs: Record<string, Tab> = {
    queue: queueView(ctx),
    bans: bansView(ctx),
    blocklist: blocklistView(ctx),
    rules: rulesView(ctx),
    log: logView(ctx),
  };
  const names: Record<string, string> = { queue: 'Queue', bans: 'Bans', blocklist: 'Blocklist', rules: 'Rules', log: 'Log' };
  let current = 'queue';
  const nav = h('nav', { class: 'console-tabs', 'aria-label': 'Sections' });
  const open = (name: string) => {
    current = name;
    for (const [n, tab] of Object.entries(tabs)) tab.el.hidden = n !== name;
    for (const b of nav.querySelectorAll('button')) b.setAttribute('aria-current', String(b.dataset.tab === name));
    root.dataset.tab = name;
    tabs[name].show();
  };
  for (const name of Object.keys(tabs)) {
    const b = h('button', { type: 'button', 'data-tab': name }, names[name]);
    on(b, 'click', () => open(name));
    nav.append(b);
  }
  const signOut = h('button', { type: 'button', class: 'console-signout' }, 'Sign out');
  on(signOut, 'click', async () => {
    if (session.kind === 'account') await call('DELETE', '/v1/sessions/current').catch(() => {});
    saveSession(undefined);
    location.reload();
  });
  const header = h(
    'header',
    { class: 'console-header' },
    h('h1', {}, `Moderating ${forum.name}`),
    h('span', { class: 'console-who' }, `${forum.slug} · signed in with ${session.kind === 'key' ? 'the moderator key' : session.who}`),
    signOut,
  );
  root.replaceChildren(header, nav, status, ...Object.values(tabs).map((t) => t.el));
  root.dataset.state = 'ready';
  open(current);

  on<KeyboardEvent>(document, 'keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target as HTMLElement;
    if (t.closest('input, textarea, select, [contenteditable]')) return;
    tabs[current].key?.(e);
  });
}

const saved = loadSession();
if (saved) void signedIn(saved);
else signedOut(new URLSearchParams(location.search).get('forum') ?? '', takeNotice());
