// A forum's provider is reached only on public addresses: a loopback server is refused by IP
// literal and by a name that resolves to it, unless private addresses are allowed (tests).
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardedFetch } from '../src/oidc-fetch.ts';

t.test('the guard refuses the server\'s own network', async (t) => {
  const server = createServer((_req, res) => res.end('inside'));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())));
  const port = (server.address() as AddressInfo).port;
  const init = { method: 'GET', headers: {}, body: undefined, redirect: 'manual', signal: undefined } as never;

  const guarded = guardedFetch(false);
  t.teardown(() => guarded.close());
  await t.rejects(guarded(`http://127.0.0.1:${port}/`, init), /loopback or private/, 'an IP literal');
  await t.rejects(guarded(`http://[::ffff:127.0.0.1]:${port}/`, init), /loopback or private/, 'an IPv4-mapped IPv6 literal');
  const byName = await guarded(`http://localhost:${port}/`, init).then(() => 'fetched', (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message));
  t.match(byName, /loopback or private/, 'a name that resolves to it');

  const open = guardedFetch(true);
  t.teardown(() => open.close());
  t.equal(await (await open(`http://127.0.0.1:${port}/`, init)).text(), 'inside', 'allowed for tests');
});
