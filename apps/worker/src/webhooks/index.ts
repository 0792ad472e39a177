// Webhooks in the worker: the signal handler that enqueues deliveries and the queue that makes them.
import type { Config } from '@parley/data';
import type { SignalRegistry } from '../signals/registry.ts';
import { webhooksHandler } from './handler.ts';
import { webhookQueue } from './queue.ts';

export { WEBHOOK_QUEUE, webhooksHandler, type DeliveryJob } from './handler.ts';
export { webhookQueue, deliverBatch } from './queue.ts';
export { deliver } from './deliver.ts';
export { signatureOf } from './sign.ts';

export function connectWebhooks(registry: SignalRegistry, config: Config): SignalRegistry {
  return registry.connect(webhooksHandler).queue(webhookQueue(config));
}
