// Every delayed-signal handler and follow-up queue of the worker fleet, connected in one place.
import { countersHandler } from './counters/handler.ts';
import { emailQueue, replyEmails } from './email/index.ts';
import { SignalRegistry } from './signals/registry.ts';

export function defaultRegistry(): SignalRegistry {
  return new SignalRegistry().connect(countersHandler).connect(replyEmails).queue(emailQueue);
}
