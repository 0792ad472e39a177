// Real memcached servers for a test (Debian's, installed by `npm test`): each on 127.0.0.1 and a
// free port, started with scripts/lib/topology-processes.ts as `pnpm topology:up` starts them.
// `kill()` takes one away (SIGKILL: its clients see refused connections), `start()` brings it back
// empty on the same port. All stopped on teardown.
import { freePort } from '../../scripts/lib/free-port.ts';
import { startMemcached, type Running } from '../../scripts/lib/topology-processes.ts';
import type { TapTest } from './db.ts';

export interface TestMemcached {
  /** `127.0.0.1:<port>`, as MEMCACHED_SERVERS lists it */
  server: string;
  port: number;
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function testMemcached(t: TapTest, n: number): Promise<TestMemcached[]> {
  const out: TestMemcached[] = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    let running: Running | undefined = await startMemcached(port, { memoryMb: 16 });
    const m: TestMemcached = {
      server: `127.0.0.1:${port}`,
      port,
      async kill() {
        const r = running;
        running = undefined;
        // memcached stops at once on SIGTERM too; what matters is that it is gone, its data with it
        await r?.stop();
      },
      async start() {
        if (!running) running = await startMemcached(port, { memoryMb: 16 });
      },
    };
    t.teardown(() => m.kill());
    out.push(m);
  }
  return out;
}
