// Requests Node's HTTP parser refuses before fastify sees them (headers over 16 KB, bytes that
// are not HTTP) are answered in the error shape with a stable code and `Connection: close`, so a
// keep-alive client's next request goes out on a fresh socket instead of failing on a dead one.
// Found by the fuzzer: a 431 without `Connection: close`, then ECONNRESET on the next request.
import t from 'tap';
import http from 'node:http';
import { connect } from 'node:net';
import { startApi } from '@parley/api';
import { loadConfig } from '@parley/data';
import { testDatabase } from '../../../test/harness/db.ts';
import { ADMIN_TOKEN } from '../../../test/harness/app.ts';

function get(agent: http.Agent, url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', reject);
  });
}

t.test('headers over the limit: 431 headers_too_large with Connection: close, and the next request on the agent works', async (t) => {
  const { db } = await testDatabase(t);
  const api = await startApi({ config: loadConfig({}, { adminToken: ADMIN_TOKEN, logLevel: 'silent', host: '127.0.0.1', port: 0 }), db });
  t.teardown(() => api.close());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const warm = await get(agent, `${api.url}/healthz`);
  t.equal(warm.status, 200, 'a keep-alive socket is open');
  const big = await get(agent, `${api.url}/v1/forums/x?q=${'x'.repeat(20_000)}`);
  t.equal(big.status, 431);
  t.equal(big.headers.connection, 'close', 'the answer says the socket closes');
  t.equal(JSON.parse(big.body).error.code, 'headers_too_large');
  const next = await get(agent, `${api.url}/healthz`);
  t.equal(next.status, 200, 'the next request on the same agent is answered');
});

t.test('HEAD with headers over the limit: a 431 without a body, which the client parses', async (t) => {
  const { db } = await testDatabase(t);
  const api = await startApi({ config: loadConfig({}, { adminToken: ADMIN_TOKEN, logLevel: 'silent', host: '127.0.0.1', port: 0 }), db });
  t.teardown(() => api.close());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(`${api.url}/healthz`, { method: 'HEAD', agent, headers: { origin: 'x'.repeat(20_000) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
  t.same([answer.status, answer.headers['content-length'], answer.headers.connection], [431, '0', 'close']);
  t.equal((await get(agent, `${api.url}/healthz`)).status, 200, 'the next request on the same agent is answered');
});

t.test('bytes that are not HTTP: 400 in the error shape', async (t) => {
  const { db } = await testDatabase(t);
  const api = await startApi({ config: loadConfig({}, { adminToken: ADMIN_TOKEN, logLevel: 'silent', host: '127.0.0.1', port: 0 }), db });
  t.teardown(() => api.close());
  const socket = connect({ host: '127.0.0.1', port: Number(new URL(api.url).port) });
  let answer = '';
  socket.on('data', (d) => (answer += d.toString()));
  socket.on('connect', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
  await new Promise((ok) => socket.on('close', ok));
  t.match(answer, /^HTTP\/1\.1 400 /);
  t.match(answer, /\r\nConnection: close\r\n/i);
  t.equal(JSON.parse(answer.split('\r\n\r\n')[1]).error.code, 'validation_failed');
});
