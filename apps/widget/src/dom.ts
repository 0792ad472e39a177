// A tiny element builder: text goes in as text, never as HTML. The one place HTML is inserted is
// a post's body, which the server rendered and sanitized (post-view.ts, `body`).
type Child = Node | string | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = v as string;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

export const on = <E extends Event = Event>(el: EventTarget, type: string, fn: (e: E) => void): void => el.addEventListener(type, fn as EventListener);

let uid = 0;
/** an id unique on the page, for label `for` links (several widgets may share a page) */
export const uniqueId = (prefix: string): string => `${prefix}${++uid}`;
