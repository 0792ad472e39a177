// Every delayed-signal handler and follow-up queue of the worker fleet, connected in one place.
import type { Config } from '@parley/data';
import type { ReadModel } from '@parley/read';
import { cacheRefill } from './cache/refill.ts';
import { erasureHandler, erasureQueue } from './erasure/handler.ts';
import { banRetroHandler, banRetroQueue } from './bans/handler.ts';
import { countersHandler } from './counters/handler.ts';
import { connectAccountEmails, emailQueue, replyEmails } from './email/index.ts';
import { SignalRegistry } from './signals/registry.ts';
import { connectWebhooks } from './webhooks/index.ts';

/** `read`: the read model over the cache tier, whose pages the refill renders again (no refill without it). */
export function defaultRegistry(config: Config, opts: { read?: ReadModel } = {}): SignalRegistry {
  const registry = connectAccountEmails(new SignalRegistry().connect(countersHandler).connect(replyEmails).queue(emailQueue));
  if (opts.read) registry.connect(cacheRefill(opts.read));
  registry.connect(erasureHandler).queue(erasureQueue);
  registry.connect(banRetroHandler).queue(banRetroQueue);
  return connectWebhooks(registry, config);
}
