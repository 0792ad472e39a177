// The forum's bans in force: who (a user, email, address or range; the author of a comment, whose
// email or address is never shown), ban or shadow ban, why, until when, the retroactive job's
// progress, and a button to lift each; the form above adds one (for good, or for N days).
import { h, on } from '../dom.ts';
import { banForm } from './ban-form.ts';
import { messageOf } from './client.ts';
import type { ConsoleContext, Tab } from './main.ts';
import type { Ban } from './types.ts';

const until = (b: Ban) => (b.expiresAt ? `until ${new Date(b.expiresAt).toLocaleString()}` : 'no expiry');
const who = (b: Ban) => (b.value !== null ? `${b.kind} ${b.value}` : `the ${b.kind} of the author of comment ${b.postId}`);

export function bansView(ctx: ConsoleContext): Tab {
  const list = h('ul', { class: 'console-bans', 'aria-label': 'Bans in force' });
  const empty = h('p', { class: 'console-empty' }, 'No bans in force.');
  const error = h('p', { class: 'console-error', role: 'alert' });
  const shown = () => (empty.hidden = list.children.length > 0);

  const banRow = (b: Ban) => {
    const lift = h('button', { type: 'button', class: 'console-lift' }, 'Lift');
    const li = h(
      'li',
      { class: 'console-ban', 'data-ban-id': b.id, 'data-mode': b.mode, 'data-kind': b.kind },
      h('strong', { class: 'console-ban-who' }, who(b)),
      ' ',
      h('span', { class: 'console-badge' }, b.mode === 'shadow' ? 'shadow ban' : b.expiresAt ? 'suspension' : 'ban'),
      ' ',
      h('span', { class: 'console-expiry' }, until(b)),
      b.forumId === null ? h('span', { class: 'console-note' }, ' (whole instance)') : null,
      b.reason ? h('span', { class: 'console-ban-reason' }, ` · ${b.reason}`) : null,
      b.retro ? h('span', { class: 'console-note' }, ` · existing comments: ${b.retro.status}, ${b.retro.hidden} hidden`) : null,
      ' ',
      b.forumId === null ? null : lift,
    );
    on(lift, 'click', async () => {
      error.textContent = '';
      try {
        await ctx.call('DELETE', `${ctx.base}/bans/${b.id}`);
        li.remove();
        shown();
        ctx.say(`Lifted the ban on ${who(b)}.`);
      } catch (err) {
        error.textContent = messageOf(err);
      }
    });
    return li;
  };
  const load = async () => {
    error.textContent = '';
    try {
      const { bans } = await ctx.call<{ bans: Ban[] }>('GET', `${ctx.base}/bans?limit=100`);
      list.replaceChildren(...bans.map(banRow));
      shown();
    } catch (err) {
      error.textContent = messageOf(err);
    }
  };
  const form = banForm(ctx, undefined, (bans) => {
    list.prepend(...bans.map(banRow));
    shown();
    form.reset();
    ctx.say(`Banned ${bans.map(who).join(' and ')} (${until(bans[0])}).`);
  });
  const el = h('section', { class: 'console-tab console-bans-tab' }, h('h2', {}, 'Bans'), form, error, list, empty);
  return { el, show: () => void load() };
}
