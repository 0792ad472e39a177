// The data seam turns "the database is away" into one error, database_unavailable (503), and
// leaves every other error alone: a server that accepts and never answers is cut off at the
// connect timeout, a refused connection fails at once, a constraint violation stays itself.
import t from 'tap';
import { createServer, type Socket } from 'node:net';
import { Database, isConnectionError, singleDatabase } from '@parley/data';
import { ParleyError } from '@parley/domain';
import { testDatabase } from '../../../test/harness/db.ts';
import { freePort } from '../../../scripts/lib/free-port.ts';

const route = { area: 'content', mode: 'read' } as const;

t.test('a server that never answers: database_unavailable at PARLEY_DB_CONNECT_TIMEOUT_MS', async (t) => {
  const sockets = new Set<Socket>();
  const silent = createServer((s) => void sockets.add(s));
  await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  const db = new Database(singleDatabase(`postgres://u:p@127.0.0.1:${port}/x`), { connectTimeoutMs: 300 });
  t.teardown(() => db.close());
  const started = Date.now();
  const err = await db.exec(route, 'SELECT 1').catch((e: unknown) => e);
  const took = Date.now() - started;
  t.ok(err instanceof ParleyError && err.code === 'database_unavailable', 'exec: database_unavailable');
  t.ok(took >= 250 && took < 3000, `cut off at the timeout (${took} ms)`);
  const txErr = await db.tx(route, (ex) => ex.query('SELECT 1')).catch((e: unknown) => e);
  t.ok(txErr instanceof ParleyError && txErr.code === 'database_unavailable', 'tx: database_unavailable');
});

t.test('a refused connection: database_unavailable at once', async (t) => {
  const db = new Database(singleDatabase(`postgres://u:p@127.0.0.1:${await freePort()}/x`));
  t.teardown(() => db.close());
  const err = await db.exec(route, 'SELECT 1').catch((e: unknown) => e);
  t.ok(err instanceof ParleyError && err.code === 'database_unavailable');
  t.equal((err as ParleyError).status, 503);
  t.ok(isConnectionError((err as ParleyError).internal), 'the driver error is kept for the log');
});

t.test('errors of a healthy database pass through unchanged', async (t) => {
  const { db } = await testDatabase(t);
  const syntax = await db.exec(route, 'SELEC 1').catch((e: unknown) => e);
  t.equal((syntax as { code?: string }).code, '42601', 'a syntax error stays a syntax error');
  const unique = await db
    .tx(route, async (ex) => {
      await ex.query('CREATE TEMP TABLE u (x int PRIMARY KEY)');
      await ex.query('INSERT INTO u VALUES (1), (1)');
    })
    .catch((e: unknown) => e);
  t.equal((unique as { code?: string }).code, '23505', 'a unique violation stays itself');
  t.notOk(isConnectionError(unique), 'and is not a connection error');
  t.notOk(isConnectionError(new ParleyError('invalid_id')), 'nor is a refusal of ours');
});
