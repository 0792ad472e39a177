// The delivery queue: each job is one (webhook, event) delivery. Jobs of a batch are delivered
// concurrently and settled one by one (a failed delivery is failed on its own, so pg-boss retries
// it with backoff while the batch's successes stay done). Every attempt is logged in
// webhook_deliveries. A webhook deleted meanwhile drops its job quietly.
import { webhookSql, type Config } from '@parley/data';
import type { QueueDefinition, SignalContext } from '../signals/registry.ts';
import { deliver, type Attempt } from './deliver.ts';
import { WEBHOOK_QUEUE, type DeliveryJob } from './handler.ts';

interface Target {
  id: string;
  url: string;
  secret: string;
}

/** A pg error for a row whose webhook was deleted between delivery and logging. */
const isGone = (err: unknown): boolean => (err as { code?: string }).code === '23503';

export function webhookQueue(config: Config): QueueDefinition<DeliveryJob> {
  return {
    name: WEBHOOK_QUEUE,
    batchSize: 10,
    retryLimit: config.webhookRetryLimit,
    retryDelay: config.webhookRetryDelaySeconds,
    retryBackoff: true,
    async handle(jobs, ctx) {
      await deliverBatch(jobs, ctx);
    },
  };
}

export async function deliverBatch(jobs: { id: string; data: DeliveryJob; retryCount: number }[], ctx: SignalContext): Promise<{ delivered: number; failed: number; dropped: number }> {
  const ids = [...new Set(jobs.map((j) => j.data.webhookId))];
  const { rows } = await ctx.db.exec<Target>({ area: 'forums', mode: 'read', fresh: true }, webhookSql.selectWebhooksForDelivery, [ids]);
  const targets = new Map(rows.map((r) => [String(r.id), r]));
  const opts = { timeoutMs: ctx.config.webhookTimeoutMs, allowPrivate: ctx.config.webhookAllowPrivate };

  const outcomes = await Promise.all(
    jobs.map(async (job): Promise<'delivered' | 'failed' | 'dropped'> => {
      const target = targets.get(job.data.webhookId);
      if (!target) return 'dropped';
      const attempt: Attempt = await deliver(target, job.data.eventId, job.data.body, opts);
      try {
        await ctx.db.exec({ area: 'forums', mode: 'write' }, webhookSql.insertDelivery, [
          target.id, job.data.eventId, job.id, job.retryCount + 1, attempt.ok ? 'ok' : 'failed', attempt.httpStatus, attempt.error, attempt.durationMs,
        ]);
      } catch (err) {
        if (isGone(err)) return 'dropped';
        throw err;
      }
      if (!attempt.ok) ctx.log(`webhooks: delivery of event ${job.data.eventId} to webhook ${target.id} failed (attempt ${job.retryCount + 1}): ${attempt.error}`);
      return attempt.ok ? 'delivered' : 'failed';
    }),
  );
  // Failed jobs are failed here, by id: pg-boss puts them in retry (or the dead-letter queue), and
  // the runtime's completion of the batch only touches jobs still active.
  const failed = jobs.filter((_, i) => outcomes[i] === 'failed');
  if (failed.length) await ctx.boss.fail(WEBHOOK_QUEUE, failed.map((j) => ({ id: j.id, retryCount: j.retryCount })), { message: 'webhook delivery failed; see webhook_deliveries' });
  return {
    delivered: outcomes.filter((o) => o === 'delivered').length,
    failed: failed.length,
    dropped: outcomes.filter((o) => o === 'dropped').length,
  };
}
