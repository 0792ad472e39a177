import { ParleyError, type Forum } from '@parley/domain';

/** A browser write from a page whose origin the forum doesn't list is refused. */
export function checkOrigin(forum: Forum, origin: string | undefined): void {
  const allowed = forum.settings.allowedOrigins;
  if (allowed.length === 0 || origin === undefined) return;
  if (!allowed.includes(origin)) throw new ParleyError('origin_not_allowed', { details: { origin: origin.slice(0, 200) } });
}
