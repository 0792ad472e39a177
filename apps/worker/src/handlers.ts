// Every delayed-signal handler and follow-up queue of the worker fleet, connected in one place.
// Cache refills plug in here too (the cache issue): a handler connected to the post events that
// rewrites the thread pages it changed.
import type { Config } from '@parley/data';
import { countersHandler } from './counters/handler.ts';
import { emailQueue, replyEmails } from './email/index.ts';
import { SignalRegistry } from './signals/registry.ts';
import { connectWebhooks } from './webhooks/index.ts';

export function defaultRegistry(config: Config): SignalRegistry {
  const registry = new SignalRegistry().connect(countersHandler).connect(replyEmails).queue(emailQueue);
  return connectWebhooks(registry, config);
}
