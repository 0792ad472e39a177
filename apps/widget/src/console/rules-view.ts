// The forum's rules: pre-moderation and every section of settings.moderation except the blocklist
// (its own tab), as a form built from the rules the API sent, so a section the API adds shows up
// without a console change. Values go to the API as typed (no checks of our own, which would drift
// from the domain's): a bad one comes back as the API's message, shown above the Save button.
import { h, on } from '../dom.ts';
import { messageOf } from './client.ts';
import type { ConsoleContext, Tab } from './main.ts';
import type { ForumView } from './types.ts';

/** Fields that take one of a few words. */
const CHOICES: Record<string, string[]> = { 'links.newCommenterLinks': ['allow', 'hold', 'spam'] };
const words = (name: string) => name.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase()).replace(/ (\d)/, ' $1');

type Rules = Record<string, Record<string, unknown>>;

function fieldFor(path: string, value: unknown): HTMLElement {
  const label = words(path.split('.').pop()!);
  if (typeof value === 'boolean') return h('label', { class: 'console-field console-flag' }, h('input', { type: 'checkbox', name: path, checked: value }), ` ${label}`);
  if (CHOICES[path]) {
    const select = h('select', { name: path }, ...CHOICES[path].map((c) => h('option', { value: c, selected: c === value }, c)));
    return h('label', { class: 'console-field' }, h('span', {}, label), select);
  }
  const type = typeof value === 'number' ? 'number' : 'text';
  return h('label', { class: 'console-field' }, h('span', {}, label), h('input', { type, name: path, value: String(value ?? ''), ...(type === 'number' ? { inputmode: 'numeric' } : {}) }));
}

/** The form's values as a settings change: every shown section whole, numbers as numbers (empty: null, which the API refuses by name). */
function readForm(form: HTMLFormElement, rules: Rules): { preModeration: boolean; moderation: Rules } {
  const moderation: Rules = {};
  for (const el of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[name*="."]')) {
    const [section, key] = el.name.split('.');
    const was = rules[section]?.[key];
    const v = el instanceof HTMLInputElement && el.type === 'checkbox' ? el.checked : typeof was === 'number' ? (el.value.trim() === '' ? null : Number(el.value)) : el.value;
    (moderation[section] ??= {})[key] = v;
  }
  return { preModeration: (form.querySelector('[name=preModeration]') as HTMLInputElement).checked, moderation };
}

export function rulesView(ctx: ConsoleContext): Tab {
  const el = h('section', { class: 'console-tab console-rules-tab' });
  const render = () => {
    const rules = (ctx.forum.settings.moderation ?? {}) as unknown as Rules;
    const error = h('p', { class: 'console-error', role: 'alert' });
    const save = h('button', { type: 'submit', class: 'console-primary console-save' }, 'Save rules');
    const sections = Object.entries(rules)
      .filter(([name, s]) => name !== 'blocklist' && s && typeof s === 'object' && !Array.isArray(s))
      .map(([name, s]) => h('fieldset', { 'data-section': name }, h('legend', {}, words(name)), ...Object.entries(s).filter(([, v]) => !Array.isArray(v) && (v === null || typeof v !== 'object')).map(([k, v]) => fieldFor(`${name}.${k}`, v))));
    const form = h(
      'form',
      { class: 'console-rules', novalidate: true },
      h('label', { class: 'console-field console-flag' }, h('input', { type: 'checkbox', name: 'preModeration', checked: ctx.forum.settings.preModeration }), ' Hold every comment for review (pre-moderation)'),
      ...sections,
      save,
      error,
    );
    on(form, 'submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      save.disabled = true;
      try {
        const { forum } = await ctx.call<{ forum: ForumView }>('PATCH', ctx.base, { settings: readForm(form, rules) });
        ctx.setForum(forum);
        ctx.say('Rules saved.');
      } catch (err) {
        error.textContent = messageOf(err);
      } finally {
        save.disabled = false;
      }
    });
    el.replaceChildren(h('h2', {}, 'Rules'), form);
  };
  return { el, show: render };
}
