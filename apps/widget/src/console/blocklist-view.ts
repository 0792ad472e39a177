// The blocklist: words, phrases and domains, each with its action (hold, spam, reject, or mask the
// word), edited as a list and saved whole (PATCH the forum's settings.moderation.blocklist; the
// API replaces the list). The API checks every entry and names the first bad one.
import { h, on } from '../dom.ts';
import { messageOf } from './client.ts';
import type { ConsoleContext, Tab } from './main.ts';
import type { ForumView } from './types.ts';

interface Entry {
  kind: string;
  term: string;
  action: string;
}

const select = (name: string, options: string[], value: string) => h('select', { name }, ...options.map((o) => h('option', { value: o, selected: o === value }, o)));

function row(e: Entry): HTMLLIElement {
  const li = h(
    'li',
    { class: 'console-entry' },
    select('kind', ['word', 'domain'], e.kind),
    h('input', { name: 'term', value: e.term, 'aria-label': 'Word, phrase or domain', autocomplete: 'off', spellcheck: 'false' }),
    select('action', ['hold', 'spam', 'reject', 'mask'], e.action),
    h('button', { type: 'button', class: 'console-remove' }, 'Remove'),
  );
  on(li.querySelector('.console-remove')!, 'click', () => li.remove());
  return li;
}

export function blocklistView(ctx: ConsoleContext): Tab {
  const el = h('section', { class: 'console-tab console-blocklist-tab' });
  const render = () => {
    const blocklist = ctx.forum.settings.moderation?.blocklist ?? { enabled: true, entries: [] };
    const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: blocklist.enabled });
    const list = h('ul', { class: 'console-entries' }, ...blocklist.entries.map(row));
    const add = h('button', { type: 'button', class: 'console-add' }, 'Add entry');
    const save = h('button', { type: 'submit', class: 'console-primary console-save' }, 'Save blocklist');
    const error = h('p', { class: 'console-error', role: 'alert' });
    const form = h('form', { class: 'console-blocklist', novalidate: true }, h('label', {}, enabled, ' Use the blocklist'), list, add, save, error);
    on(add, 'click', () => {
      const li = row({ kind: 'word', term: '', action: 'hold' });
      list.append(li);
      li.querySelector('input')!.focus();
    });
    on(form, 'submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      const entries = [...list.children].map((li) => ({
        kind: (li.querySelector('[name=kind]') as HTMLSelectElement).value,
        term: (li.querySelector('[name=term]') as HTMLInputElement).value,
        action: (li.querySelector('[name=action]') as HTMLSelectElement).value,
      }));
      save.disabled = true;
      try {
        const { forum } = await ctx.call<{ forum: ForumView }>('PATCH', ctx.base, { settings: { moderation: { blocklist: { enabled: enabled.checked, entries } } } });
        ctx.setForum(forum);
        ctx.say(`Blocklist saved: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}.`);
      } catch (err) {
        error.textContent = messageOf(err);
      } finally {
        save.disabled = false;
      }
    });
    el.replaceChildren(h('h2', {}, 'Blocklist'), h('p', { class: 'console-note' }, 'Words match whole words in any case; domains match their subdomains. Mask replaces a word with asterisks and lets the comment through.'), form);
  };
  return { el, show: render };
}
