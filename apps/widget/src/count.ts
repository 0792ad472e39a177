// Comment counts for a listing page: every element with data-parley-count="<identifier>" gets
// "N comments", from one POST /v1/counts per 200 identifiers. The forum comes from this script's
// data-parley-forum, the language from its data-parley-lang or the browser.
import { makeApi } from './api.ts';
import { strings } from './i18n.ts';

const script = document.currentScript as HTMLScriptElement | null;
const base = new URL(script?.src || '/', location.href).origin;

async function run(): Promise<void> {
  const forum = script?.dataset.parleyForum;
  if (!forum) return;
  const t = strings(script?.dataset.parleyLang || navigator.language || 'en');
  const els = [...document.querySelectorAll<HTMLElement>('[data-parley-count]')];
  const ids = [...new Set(els.map((el) => el.dataset.parleyCount!).filter(Boolean))];
  const api = makeApi(base);
  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200);
    const { counts } = await api<{ counts: Record<string, number> }>('POST', '/v1/counts', { forum, identifiers: chunk });
    for (const el of els) {
      const n = counts[el.dataset.parleyCount!];
      if (n !== undefined) {
        el.textContent = t.comments(n);
        el.dataset.parleyCounted = String(n);
      }
    }
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void run());
else void run();
