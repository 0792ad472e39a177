// The ceiling for the read benchmark: plain node:http, no framework, no database. `/hello`
// answers a short text; `/page` answers a fixed body (sent as argv[2], a file path) so the cost
// of moving a page-sized JSON answer can be told apart from the cost of building it;
// `/not-modified` answers what a conditional GET of that page gets when the client holds it: 304,
// its ETag, no body (bench:read --cache).
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const page = process.argv[2] ? readFileSync(process.argv[2]) : Buffer.from('{}');
const hello = Buffer.from('hello');
const etag = `"${createHash('sha1').update(page).digest('base64url').slice(0, 22)}"`;

const server = createServer((req, res) => {
  if (req.url === '/not-modified') {
    res.writeHead(304, { etag });
    res.end();
    return;
  }
  const body = req.url === '/page' ? page : hello;
  res.writeHead(200, { 'content-type': req.url === '/page' ? 'application/json; charset=utf-8' : 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
