// The form that creates a ban: of a queue item's author (by the post, so the console never needs
// the author's email or address, which moderators' views do not carry) or of a user, email, IP or
// range typed in. A ban lasts for good or N days (a suspension); shadow mode lets the author go on
// writing, seen by nobody else. Refusals show the API's message.
import { h, on } from '../dom.ts';
import { messageOf } from './client.ts';
import type { ConsoleContext } from './main.ts';
import type { Ban } from './types.ts';

export type BanTarget = { postId: string; author: string } | undefined;

export function banForm(ctx: ConsoleContext, target: BanTarget, done: (bans: Ban[]) => void, cancel?: () => void): HTMLFormElement {
  const kind = h('select', { name: 'kind' }, ...['user', 'email', 'ip', 'range'].map((k) => h('option', { value: k }, k)));
  const value = h('input', { name: 'value', autocomplete: 'off', spellcheck: 'false' });
  const mode = h('select', { name: 'mode' }, h('option', { value: 'ban' }, 'ban'), h('option', { value: 'suspend' }, 'suspend for N days'), h('option', { value: 'shadow' }, 'shadow ban'));
  const days = h('input', { name: 'days', type: 'number', min: '1', value: '7', inputmode: 'numeric' });
  const reason = h('input', { name: 'reason', autocomplete: 'off', placeholder: 'reason (moderators see it)' });
  const retroactive = h('input', { name: 'retroactive', type: 'checkbox' });
  const address = h('input', { name: 'includeAddress', type: 'checkbox' });
  const error = h('p', { class: 'console-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'console-primary' }, target ? `Ban ${target.author}` : 'Add ban');
  const daysLabel = h('label', { class: 'console-days', hidden: true }, days, ' days');
  const form = h(
    'form',
    { class: 'console-ban-form', novalidate: true },
    target ? null : h('label', {}, 'Kind ', kind),
    target ? null : h('label', {}, 'Value ', value),
    h('label', {}, 'Action ', mode),
    daysLabel,
    h('label', {}, 'Reason ', reason),
    h('label', {}, retroactive, ' also hide their existing comments'),
    target ? h('label', {}, address, ' and the address it was written from') : null,
    submit,
    cancel ? h('button', { type: 'button', class: 'console-cancel' }, 'Cancel') : null,
    error,
  );
  on(mode, 'change', () => (daysLabel.hidden = mode.value !== 'suspend'));
  on(form, 'reset', () => (daysLabel.hidden = true));
  if (cancel) on(form.querySelector('.console-cancel')!, 'click', cancel);
  on(form, 'submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const body: Record<string, unknown> = {
      ...(target ? { postId: target.postId, includeAddress: address.checked } : { kind: kind.value, value: value.value.trim() }),
      mode: mode.value === 'shadow' ? 'shadow' : 'ban',
      reason: reason.value.trim(),
      retroactive: retroactive.checked,
    };
    // a suspension is a ban that ends; an empty or bad number goes to the API, which says what is wrong
    if (mode.value === 'suspend') body.durationSeconds = days.value.trim() === '' ? null : Math.round(Number(days.value) * 86400);
    submit.disabled = true;
    try {
      const { bans } = await ctx.call<{ bans: Ban[] }>('POST', `${ctx.base}/bans`, body);
      done(bans);
    } catch (err) {
      error.textContent = messageOf(err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
