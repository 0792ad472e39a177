// Whether the node can reach its event log, for /healthz: one round trip to each content primary,
// within 2 s; shared by concurrent callers and kept for a second, so a load balancer polling
// often makes at most one round trip a second.
import type { Database } from '@parley/data';

/** how long the check waits for the database before calling it away */
const DATABASE_CHECK_MS = 2_000;
/** how long one check answers */
const DATABASE_CHECK_TTL_MS = 1_000;

async function checkDatabase(db: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((ok) => (timer = setTimeout(() => ok(false), DATABASE_CHECK_MS)));
  const check = Promise.all(db.shards().map((shard) => db.exec({ area: 'content', shard, mode: 'read', fresh: true }, 'SELECT 1'))).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([check, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function databaseCheck(db: Database): () => Promise<boolean> {
  let last: { at: number; result: Promise<boolean> } | undefined;
  return () => {
    if (last && performance.now() - last.at < DATABASE_CHECK_TTL_MS) return last.result;
    last = { at: performance.now(), result: checkDatabase(db) };
    return last.result;
  };
}
