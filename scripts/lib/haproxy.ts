// HAProxy in front of the stateless tiers: its configuration, from the processes it balances.
// Used by the test harness and by `pnpm topology:up`. What it promises:
//   - health: each server's GET /healthz every `checkMs`; a server that fails twice leaves the
//     rotation, one good answer brings it back;
//   - websockets: /v1/realtime goes to the realtime nodes, and an upgraded connection is a tunnel
//     (`timeout tunnel`), so live subscriptions outlast the HTTP timeouts;
//   - rolling restarts drop no request: a request that never reached a server (connection refused
//     or reset before any answer: the server was stopping) or that a closing server answered 503 is
//     retried once on another server. Both are safe for writes too: a stopping API closes only
//     idle connections and finishes what it has begun (fastify `forceCloseConnections: 'idle'`),
//     and its 503s come before any work.
export interface Upstream {
  name: string;
  host: string;
  port: number;
}

export interface HaproxyLayout {
  /** where HAProxy listens (loopback) */
  port: number;
  api: Upstream[];
  /** realtime nodes for /v1/realtime; without them websockets go to the API (the embedded layout) */
  realtime?: Upstream[];
  checkMs?: number;
}

const server = (u: Upstream, checkMs: number) => `  server ${u.name} ${u.host}:${u.port} check inter ${checkMs}ms fall 2 rise 1`;

export function haproxyConfig(l: HaproxyLayout): string {
  const checkMs = l.checkMs ?? 500;
  const lines = [
    'global',
    '  maxconn 4096',
    '  log stderr format raw local0 warning',
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    '  timeout connect 2s',
    '  timeout client 75s',
    '  timeout server 75s',
    '  timeout tunnel 1h',
    '  timeout http-keep-alive 60s',
    '  retries 2',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response 503',
    'frontend parley',
    `  bind 127.0.0.1:${l.port}`,
    '  option forwardfor',
    ...(l.realtime?.length ? ['  acl realtime path /v1/realtime', '  use_backend realtime if realtime'] : []),
    '  default_backend api',
    'backend api',
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    ...l.api.map((u) => server(u, checkMs)),
  ];
  if (l.realtime?.length) {
    lines.push('backend realtime', '  balance leastconn', '  option httpchk GET /healthz', '  http-check expect status 200', ...l.realtime.map((u) => server(u, checkMs)));
  }
  return `${lines.join('\n')}\n`;
}
