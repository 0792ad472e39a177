// The dead-letter queues: what failed for good, and putting it back. Each queue `q` the runtime
// creates has `q.dead`; a signals job there carries its events (a poison event alone, with the
// reason), a follow-up job its payload.
import type { PgBoss } from 'pg-boss';

export interface DeadJob {
  queue: string;
  id: string;
  createdOn: Date;
  data: unknown;
  output: unknown;
}

export async function deadQueues(boss: PgBoss): Promise<string[]> {
  return (await boss.getQueues()).map((q) => q.name).filter((n) => n.endsWith('.dead')).sort();
}

export async function listDead(boss: PgBoss, limit = 100): Promise<DeadJob[]> {
  const out: DeadJob[] = [];
  for (const queue of await deadQueues(boss)) {
    const jobs = await boss.findJobs(queue, { limit });
    for (const j of jobs) out.push({ queue, id: j.id, createdOn: j.createdOn, data: j.data, output: (j as { output?: unknown }).output });
  }
  return out;
}

/** Sends a dead job's payload back to its queue as a fresh job and removes it from the dead queue. */
export async function replayDead(boss: PgBoss, id: string): Promise<{ queue: string; newId: string | null } | undefined> {
  for (const queue of await deadQueues(boss)) {
    const [job] = await boss.findJobs(queue, { id });
    if (!job) continue;
    const origin = queue.slice(0, -'.dead'.length);
    const data = { ...(job.data as Record<string, unknown>) };
    delete data.error;
    const newId = await boss.send(origin, data);
    await boss.deleteJob(queue, id);
    return { queue: origin, newId };
  }
  return undefined;
}
