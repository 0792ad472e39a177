// The comment tree on the page: one li.parley-post per comment shown, replies nested in their
// parent's ol.parley-replies. It makes the changes thread-state.ts decides (place, redraw, remove,
// clear) and decides only where a comment goes: a page's comments in list order, a live one where
// the sort puts new comments.
import type { PostView } from './domain.ts';
import { h } from './dom.ts';
import type { Change } from './thread-state.ts';

export interface Tree {
  /** the li of a comment on the page */
  li(id: string): HTMLLIElement | undefined;
  /** the sort the list is in, and whether older pages are still to load: where live comments go */
  arrange(sort: string, morePages: boolean): void;
  /** makes the changes; returns the li of the first comment placed */
  apply(changes: readonly Change[]): HTMLLIElement | undefined;
}

/**
 * @param list the top-level ol.parley-posts
 * @param root where focus goes when the focused comment leaves
 * @param show draws a comment into its li
 */
export function tree(list: HTMLOListElement, root: HTMLElement, show: (v: PostView, li: HTMLLIElement) => void): Tree {
  const lis = new Map<string, HTMLLIElement>();
  /** live top-level comments shown while older pages were still to load */
  const tail: HTMLLIElement[] = [];
  let sort = 'oldest';
  let morePages = false;

  const repliesOf = (li: HTMLLIElement) => {
    let ol = li.querySelector<HTMLOListElement>(':scope > ol.parley-replies');
    if (!ol) li.append((ol = h('ol', { class: 'parley-replies' })));
    return ol;
  };

  function place(v: PostView, live: boolean): HTMLLIElement {
    const li = h('li', { class: 'parley-post', id: `parley-post-${v.id}`, tabindex: '-1', 'data-post-id': v.id });
    show(v, li);
    lis.set(v.id, li);
    const parent = v.parentId ? lis.get(v.parentId) : undefined;
    if (parent) repliesOf(parent).append(li);
    else if (live && sort === 'newest') list.prepend(li);
    else if (live) {
      // shown at once, at the end; pages loaded later go in before it, so the order stays right
      list.append(li);
      if (morePages) tail.push(li);
    } else {
      const anchor = tail.find((x) => x.isConnected);
      if (anchor) list.insertBefore(li, anchor);
      else list.append(li);
    }
    return li;
  }

  function remove(id: string): void {
    const li = lis.get(id);
    if (!li) return;
    if (li.contains(document.activeElement)) root.focus();
    li.remove();
    lis.delete(id);
  }

  return {
    li: (id) => lis.get(id),
    arrange(s, more) {
      sort = s;
      morePages = more;
    },
    apply(changes) {
      let first: HTMLLIElement | undefined;
      for (const c of changes) {
        if (c.do === 'place') {
          const li = place(c.post, c.live);
          first ??= li;
        } else if (c.do === 'redraw') {
          const li = lis.get(c.post.id);
          if (li) show(c.post, li);
        } else if (c.do === 'remove') remove(c.id);
        else {
          lis.clear();
          tail.length = 0;
          list.replaceChildren();
        }
      }
      return first;
    },
  };
}
