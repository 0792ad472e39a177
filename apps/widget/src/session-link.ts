// The widget's side of the session frame (session/frame.ts): it puts the frame (served by the
// Parley origin) into the widget, sizes it as the frame asks, and asks it to act for the signed-in
// reader. Only messages from that frame's window, on the Parley origin, are read; calls go to the
// Parley origin only. The token stays in the frame: the page sees the reader's public fields.
import { ApiError } from './api.ts';
import { h, on } from './dom.ts';
import type { Text } from './i18n.ts';
import type { Call, Operation, Reader, Told } from './session/protocol.ts';

export type { Reader } from './session/protocol.ts';

export interface SessionLink {
  frame: HTMLIFrameElement;
  /** the signed-in reader; null when signed out (or until the frame has said) */
  user(): Reader | null;
  /** the frame does `op` as the reader; rejects with an ApiError */
  call<T>(op: Operation, args?: Record<string, unknown>): Promise<T>;
  /** called when the frame says who is signed in (at start, then on each change) */
  onUser(fn: (user: Reader | null) => void): void;
}

export function sessionLink(base: string, forum: string, t: Text, theme: string): SessionLink {
  const parley = new URL(base).origin;
  const query = new URLSearchParams({ forum, origin: location.origin, lang: t.lang, theme });
  // sized by its `height` attribute: a style attribute would need 'unsafe-inline' on strict pages
  const frame = h('iframe', { class: 'parley-session', src: `${base}/widget/session.html?${query}`, title: t.account, height: '36' });
  let user: Reader | null = null;
  let seq = 0;
  let isReady: () => void;
  const ready = new Promise<void>((ok) => (isReady = ok));
  const waiting = new Map<number, [(v: unknown) => void, (e: ApiError) => void]>();
  const listeners: ((user: Reader | null) => void)[] = [];

  on(window, 'message', (e: MessageEvent) => {
    if (e.source !== frame.contentWindow || e.origin !== parley) return;
    const m = e.data as Told | null;
    if (m?.parley === 'ready' || m?.parley === 'user') {
      user = m.user;
      isReady();
      for (const fn of listeners) fn(user);
    } else if (m?.parley === 'size') {
      frame.height = String(Math.min(2000, Math.max(0, Math.ceil(Number(m.height) || 0))));
    } else if (m?.parley === 'result') {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) w?.[0](m.value);
      else w?.[1](new ApiError(m.error.code, m.error.message));
    }
  });

  return {
    frame,
    user: () => user,
    async call<T>(op: Operation, args?: Record<string, unknown>) {
      await ready;
      const id = ++seq;
      return new Promise<T>((ok, fail) => {
        waiting.set(id, [ok as (v: unknown) => void, fail]);
        frame.contentWindow!.postMessage({ parley: 'call', id, op, args } satisfies Call, parley);
      });
    },
    onUser: (fn) => void listeners.push(fn),
  };
}
