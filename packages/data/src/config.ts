// The only module that reads process.env. Every option is declared once below with its default,
// parsed and validated at start-up, and the result is frozen. Secrets are marked so that
// `describeConfig` (what gets logged) never prints them.

type Kind = 'string' | 'int' | 'bool' | 'url';
type Value<K extends Kind> = K extends 'int' ? number : K extends 'bool' ? boolean : string;
interface Option<K extends Kind, D extends Value<K> | undefined = Value<K> | undefined> {
  env: string;
  kind: K;
  default: D;
  secret?: boolean;
  min?: number;
  max?: number;
  doc: string;
}

const option = <K extends Kind, D extends Value<K> | undefined>(o: Option<K, D>): Option<K, D> => o;

export const options = {
  port: option({ env: 'PORT', kind: 'int', default: 3000, min: 0, max: 65535, doc: 'HTTP port of the API (and the realtime endpoint)' }),
  host: option({ env: 'HOST', kind: 'string', default: '127.0.0.1', doc: 'interface the API listens on' }),
  databaseUrl: option({ env: 'DATABASE_URL', kind: 'url', default: undefined, secret: true, doc: 'external Postgres; unset = embedded Postgres under PARLEY_DATA_DIR' }),
  topology: option({ env: 'PARLEY_TOPOLOGY', kind: 'string', default: undefined, doc: 'path of a topology file (JSON) naming each database alias: its primary, streaming replicas and pgbouncer (docs/scaling.md); unset = DATABASE_URL serves every alias' }),
  replicaMaxLagMs: option({ env: 'PARLEY_REPLICA_MAX_LAG_MS', kind: 'int', default: 5000, min: 10, max: 3600000, doc: 'a streaming replica further behind its primary than this (or not answering) leaves the read rotation until it catches up; its reads go to the primary' }),
  moveWaitMs: option({ env: 'PARLEY_MOVE_WAIT_MS', kind: 'int', default: 10000, min: 100, max: 600000, doc: 'how long a write to a forum being moved to another shard waits for the move to switch over before it answers 503 forum_moving (nothing saved)' }),
  dataDir: option({ env: 'PARLEY_DATA_DIR', kind: 'string', default: '.data', doc: 'where the embedded Postgres keeps its files' }),
  embeddedPgPort: option({ env: 'PARLEY_EMBEDDED_PG_PORT', kind: 'int', default: 5433, min: 1, max: 65535, doc: 'loopback port of the embedded Postgres' }),
  adminToken: option({ env: 'PARLEY_ADMIN_TOKEN', kind: 'string', default: undefined, secret: true, doc: 'admin bearer token; generated and printed in embedded mode when unset' }),
  logLevel: option({ env: 'LOG_LEVEL', kind: 'string', default: 'info', doc: 'fatal|error|warn|info|debug|trace|silent' }),
  dbPoolSize: option({ env: 'PARLEY_DB_POOL_SIZE', kind: 'int', default: 10, min: 1, max: 500, doc: 'connections per database alias and process' }),
  dbConnectTimeoutMs: option({ env: 'PARLEY_DB_CONNECT_TIMEOUT_MS', kind: 'int', default: 5000, min: 100, max: 120000, doc: 'how long a new database connection may take; beyond it the request answers 503 database_unavailable' }),
  bodyLimitBytes: option({ env: 'PARLEY_BODY_LIMIT_BYTES', kind: 'int', default: 131072, min: 1024, max: 10485760, doc: 'largest request body accepted' }),
  maxMessageLength: option({ env: 'PARLEY_MAX_MESSAGE_LENGTH', kind: 'int', default: 20000, min: 1, max: 1000000, doc: 'longest comment, in characters' }),
  pageSizeDefault: option({ env: 'PARLEY_PAGE_SIZE_DEFAULT', kind: 'int', default: 50, min: 1, max: 1000, doc: 'page size when the request gives no limit' }),
  pageSizeMax: option({ env: 'PARLEY_PAGE_SIZE_MAX', kind: 'int', default: 100, min: 1, max: 1000, doc: 'largest page a request may ask for' }),
  writeRatePerMinute: option({ env: 'PARLEY_WRITE_RATE_PER_MINUTE', kind: 'int', default: 120, min: 0, max: 100000000, doc: 'writes (posting, editing, every other change not budgeted below) per client address per minute, and as many per signed-in account from any address (0 = unlimited); moderators are exempt in the forums they moderate, the admin everywhere' }),
  voteRatePerMinute: option({ env: 'PARLEY_VOTE_RATE_PER_MINUTE', kind: 'int', default: 60, min: 0, max: 100000000, doc: 'votes per client address per minute, and as many per signed-in account (0 = unlimited)' }),
  flagRatePerHour: option({ env: 'PARLEY_FLAG_RATE_PER_HOUR', kind: 'int', default: 20, min: 0, max: 100000000, doc: 'reports of comments (flags) per client address per hour, and as many per signed-in account (0 = unlimited); moderators are not exempt' }),
  sessionTtlDays: option({ env: 'PARLEY_SESSION_TTL_DAYS', kind: 'int', default: 30, min: 1, max: 3650, doc: 'how long a user token stays valid' }),
  verifyEmailTtlHours: option({ env: 'PARLEY_VERIFY_EMAIL_TTL_HOURS', kind: 'int', default: 48, min: 1, max: 720, doc: 'how long the link of an address-verification email stays valid' }),
  passwordResetTtlMinutes: option({ env: 'PARLEY_PASSWORD_RESET_TTL_MINUTES', kind: 'int', default: 60, min: 5, max: 10080, doc: 'how long the link of a password-reset email stays valid (it also ends at its first use)' }),
  forumInviteTtlHours: option({ env: 'PARLEY_FORUM_INVITE_TTL_HOURS', kind: 'int', default: 168, min: 1, max: 720, doc: "how long an owner's invitation to a forum role, mailed as a link, stays valid (it also ends at its first use)" }),
  accountRateWindowSeconds: option({ env: 'PARLEY_ACCOUNT_RATE_WINDOW_SECONDS', kind: 'int', default: 900, min: 1, max: 86400, doc: 'the window the login and password-reset limits below count in' }),
  loginPerAddress: option({ env: 'PARLEY_LOGIN_PER_ADDRESS', kind: 'int', default: 30, min: 0, max: 1000000, doc: 'sign-in attempts (password logins, OpenID Connect starts and redemptions) per client address per window (0 = unlimited); beyond it 429 rate_limited' }),
  loginPerAccount: option({ env: 'PARLEY_LOGIN_PER_ACCOUNT', kind: 'int', default: 10, min: 0, max: 1000000, doc: 'failed login attempts per username per window, from any address (0 = unlimited); a successful login is not counted, and clears nothing' }),
  resetPerAddress: option({ env: 'PARLEY_RESET_PER_ADDRESS', kind: 'int', default: 10, min: 0, max: 1000000, doc: 'password-reset requests per client address per window (0 = unlimited)' }),
  resetPerEmail: option({ env: 'PARLEY_RESET_PER_EMAIL', kind: 'int', default: 3, min: 0, max: 1000000, doc: 'password-reset requests per email address (known or not), and verification mails (resends, address changes) per account, per window (0 = unlimited)' }),
  ssoJwksAllowHttp: option({ env: 'PARLEY_SSO_JWKS_ALLOW_HTTP', kind: 'bool', default: false, doc: 'fetch a forum\'s SSO public keys (ssoJwksUrl) over plain http too (tests on loopback; keep off in production)' }),
  ssoWindowSeconds: option({ env: 'PARLEY_SSO_WINDOW_SECONDS', kind: 'int', default: 7200, min: 60, max: 604800, doc: 'a single sign-on value (remote_auth_s3) is accepted this long before or after its timestamp' }),
  oidcProviders: option({ env: 'PARLEY_OIDC_PROVIDERS', kind: 'string', default: undefined, secret: true, doc: 'OpenID Connect providers that sign in Parley accounts: a JSON array of {id, name, issuer, clientId, clientSecret?, tokenEndpointAuthMethod?}, inline or as the path of a JSON file; each registers the redirect URI PARLEY_PUBLIC_URL/v1/oidc/<id>/callback. Unset = none' }),
  oidcAllowHttp: option({ env: 'PARLEY_OIDC_ALLOW_HTTP', kind: 'bool', default: false, doc: 'talk to OpenID Connect providers over plain http too, and let a forum\'s own provider live on a loopback or private address (tests on loopback; keep off in production)' }),
  oidcFlowSeconds: option({ env: 'PARLEY_OIDC_FLOW_SECONDS', kind: 'int', default: 600, min: 30, max: 3600, doc: 'how long a reader has to sign in at an OpenID Connect provider, from the sign-in button to the return' }),
  trustProxy: option({ env: 'PARLEY_TRUST_PROXY', kind: 'bool', default: false, doc: 'take the client address from X-Forwarded-For (behind HAProxy)' }),
  moderationRules: option({ env: 'PARLEY_MODERATION_RULES', kind: 'bool', default: true, doc: "run each forum's moderation rules (settings.moderation: bans, blocklist, links, new commenters, spam heuristics, Akismet) on every new comment and edit; false = none run, comments are approved or pre-moderated as before the rules existed (imports, incidents, test suites that are not about moderation)" }),
  akismetKey: option({ env: 'PARLEY_AKISMET_KEY', kind: 'string', default: undefined, secret: true, doc: "Akismet API key; a forum's settings.moderation.akismet.enabled asks Akismet about each comment that passed the rules (unset = Akismet is never asked, whatever the forum says)" }),
  akismetUrl: option({ env: 'PARLEY_AKISMET_URL', kind: 'url', default: 'https://rest.akismet.com', doc: 'base URL of the Akismet API (tests point it at a local server)' }),
  akismetTimeoutMs: option({ env: 'PARLEY_AKISMET_TIMEOUT_MS', kind: 'int', default: 1500, min: 50, max: 30000, doc: 'how long a write waits for Akismet; beyond it (or on any error) the comment is held for a moderator (reason akismet_unavailable), never lost' }),
  bansActiveMax: option({ env: 'PARLEY_BANS_ACTIVE_MAX', kind: 'int', default: 5000, min: 1, max: 1000000, doc: 'bans in force (not lifted, not expired) per forum, and for the whole instance; a new ban beyond it is refused (ban_limit_reached): every comment checks its forum\'s bans' }),
  workerHealthPort: option({ env: 'PARLEY_WORKER_HEALTH_PORT', kind: 'int', default: 3001, min: 0, max: 65535, doc: 'port of the standalone worker\'s /healthz (apps/worker/src/main.ts; 0 = pick a free port)' }),
  webhookAllowPrivate: option({ env: 'PARLEY_WEBHOOK_ALLOW_PRIVATE', kind: 'bool', default: false, doc: 'let webhooks call loopback, private, link-local and CGNAT addresses (off: such receiver URLs are refused at creation and at delivery)' }),
  webhookTimeoutMs: option({ env: 'PARLEY_WEBHOOK_TIMEOUT_MS', kind: 'int', default: 5000, min: 100, max: 60000, doc: 'how long one webhook delivery may take, connect to response' }),
  webhookRetryLimit: option({ env: 'PARLEY_WEBHOOK_RETRY_LIMIT', kind: 'int', default: 8, min: 0, max: 50, doc: 'retries of a failed webhook delivery before it goes to the dead-letter queue' }),
  webhookRetryDelaySeconds: option({ env: 'PARLEY_WEBHOOK_RETRY_DELAY_SECONDS', kind: 'int', default: 5, min: 1, max: 3600, doc: 'first retry delay of a webhook delivery; doubled (with jitter) on each retry' }),
  workerConcurrency: option({ env: 'PARLEY_WORKER_CONCURRENCY', kind: 'int', default: 2, min: 1, max: 64, doc: 'signal batches one worker process runs at once' }),
  smtpUrl: option({ env: 'SMTP_URL', kind: 'url', default: undefined, secret: true, doc: 'mail server for reply and account emails (smtp://user:pass@host:587); unset = emails are recorded as skipped, not sent' }),
  emailFrom: option({ env: 'PARLEY_EMAIL_FROM', kind: 'string', default: 'Parley <parley@localhost>', doc: 'From: of reply and account emails' }),
  emailPerHour: option({ env: 'PARLEY_EMAIL_PER_HOUR', kind: 'int', default: 10, min: 0, max: 100000, doc: 'reply emails per recipient per hour; beyond it they are skipped (0 = none)' }),
  secret: option({ env: 'PARLEY_SECRET', kind: 'string', default: undefined, secret: true, doc: 'signs unsubscribe links and the one-time links of account emails (16+ characters); generated and kept in PARLEY_DATA_DIR by `pnpm start` when unset' }),
  publicUrl: option({ env: 'PARLEY_PUBLIC_URL', kind: 'url', default: '', doc: 'base URL of the API as recipients of emails reach it; default http://127.0.0.1:PORT' }),
  redisUrl: option({ env: 'REDIS_URL', kind: 'url', default: undefined, secret: true, doc: 'Redis for the realtime fast path (pub/sub across realtime nodes) and the rate limits (shared by every API process); unset = Postgres LISTEN/NOTIFY, and limits counted in each process' }),
  realtimePort: option({ env: 'PARLEY_REALTIME_PORT', kind: 'int', default: 3002, min: 0, max: 65535, doc: 'port of a standalone realtime node (apps/realtime/src/main.ts); the embedded default serves realtime on PORT' }),
  realtimeMaxSubscriptions: option({ env: 'PARLEY_REALTIME_MAX_SUBSCRIPTIONS', kind: 'int', default: 100, min: 1, max: 100000, doc: 'threads one websocket may subscribe to' }),
  realtimeMaxFrameBytes: option({ env: 'PARLEY_REALTIME_MAX_FRAME_BYTES', kind: 'int', default: 4096, min: 256, max: 1048576, doc: 'largest frame a client may send; a larger one closes the socket (1009)' }),
  realtimeSendBufferBytes: option({ env: 'PARLEY_REALTIME_SEND_BUFFER_BYTES', kind: 'int', default: 1048576, min: 1024, max: 268435456, doc: 'bytes one websocket may have been sent and not yet read (kernel socket buffers included, measured by ping); a backlog beyond it waits for the client to read (see PARLEY_REALTIME_SLOW_CONSUMER_MS)' }),
  realtimeSlowConsumerMs: option({ env: 'PARLEY_REALTIME_SLOW_CONSUMER_MS', kind: 'int', default: 5000, min: 10, max: 600000, doc: 'how long a websocket with a full send buffer may take to read before it is told to reset and disconnected' }),
  realtimeMaxRefusals: option({ env: 'PARLEY_REALTIME_MAX_REFUSALS', kind: 'int', default: 1000, min: 1, max: 1000000, doc: 'refused operations (already subscribed, too many subscriptions, thread not found, …) one websocket may cause before it is closed (1008); malformed frames have their own fixed budget of 20' }),
  realtimeIdleSeconds: option({ env: 'PARLEY_REALTIME_IDLE_SECONDS', kind: 'int', default: 60, min: 1, max: 86400, doc: 'a websocket without subscriptions this long is closed' }),
  realtimePingSeconds: option({ env: 'PARLEY_REALTIME_PING_SECONDS', kind: 'int', default: 30, min: 1, max: 3600, doc: 'heartbeat: the server pings every websocket this often and drops those that missed the last pong' }),
  realtimeMaxReplay: option({ env: 'PARLEY_REALTIME_MAX_REPLAY', kind: 'int', default: 1000, min: 1, max: 1000000, doc: 'events a subscription may replay on resume; further behind, the client gets "reset" and refetches' }),
  realtimeCoalesceMs: option({ env: 'PARLEY_REALTIME_COALESCE_MS', kind: 'int', default: 50, min: 0, max: 5000, doc: 'on a busy thread, events within this window go to a subscriber in one frame' }),
  realtimeReauthSeconds: option({ env: 'PARLEY_REALTIME_REAUTH_SECONDS', kind: 'int', default: 10, min: 1, max: 3600, doc: 'how often a realtime node re-checks the sessions and moderator keys its moderator subscriptions were admitted with; one that no longer moderates the forum (signed out, role removed, key rotated) ends with a credential_revoked error frame' }),
  realtimeSweepMs: option({ env: 'PARLEY_REALTIME_SWEEP_MS', kind: 'int', default: 1000, min: 50, max: 600000, doc: 'how often a realtime node compares its threads with the event log, to repair lost publishes' }),
  workerMonitorSeconds: option({ env: 'PARLEY_WORKER_MONITOR_SECONDS', kind: 'int', default: 10, min: 1, max: 3600, doc: 'how often the worker looks for jobs a crashed worker held (they are retried once their heartbeat lapses, after 10 s)' }),
  memcachedServers: option({ env: 'MEMCACHED_SERVERS', kind: 'string', default: undefined, doc: 'the memcached pool, host:port,host:port (keys on a ketama ring); unset = an in-process cache in each process (docs/adr/0010)' }),
  memcachedTimeoutMs: option({ env: 'MEMCACHED_TIMEOUT_MS', kind: 'int', default: 100, min: 5, max: 10000, doc: 'connect and command timeout of a memcached server; a server that misses it is ejected from the ring' }),
  memcachedRetryMs: option({ env: 'MEMCACHED_RETRY_MS', kind: 'int', default: 10000, min: 100, max: 3600000, doc: 'how long an ejected memcached server stays out of the ring before it is tried again' }),
  cacheMemoryMb: option({ env: 'PARLEY_CACHE_MEMORY_MB', kind: 'int', default: 64, min: 1, max: 65536, doc: 'the in-process cache (when MEMCACHED_SERVERS is unset): megabytes it holds at most' }),
  cacheStaleMs: option({ env: 'PARLEY_CACHE_STALE_MS', kind: 'int', default: 2000, min: 0, max: 3600000, doc: 'a cached thread page older than this is rendered again (by one process, holding a lease) before it is served fresh; between a change and its refill, readers get the previous page at most this old' }),
  cacheLeaseMs: option({ env: 'PARLEY_CACHE_LEASE_MS', kind: 'int', default: 3000, min: 100, max: 600000, doc: 'how long the lease of one page recomputation holds (a process that died holding it is replaced after this)' }),
  cacheWaitMs: option({ env: 'PARLEY_CACHE_WAIT_MS', kind: 'int', default: 500, min: 0, max: 60000, doc: 'with no copy of a page to serve, how long a reader waits for the process holding its lease before rendering it itself' }),
  httpHeadersTimeoutMs: option({ env: 'PARLEY_HTTP_HEADERS_TIMEOUT_MS', kind: 'int', default: 10000, min: 100, max: 600000, doc: 'a connection whose request headers are not complete this long after its first byte is answered 408 and closed (slow-header clients)' }),
  httpRequestTimeoutMs: option({ env: 'PARLEY_HTTP_REQUEST_TIMEOUT_MS', kind: 'int', default: 30000, min: 100, max: 3600000, doc: 'a request (headers and body) not fully received this long after its first byte is answered 408 and closed; at least PARLEY_HTTP_HEADERS_TIMEOUT_MS' }),
  backtestMaxComments: option({ env: 'PARLEY_BACKTEST_MAX_COMMENTS', kind: 'int', default: 500000, min: 1, max: 100000000, doc: 'comments one rules backtest judges at most (POST /v1/forums/:slug/rules/backtest, pnpm rules:backtest); past it the result says truncated' }),
  backtestPageSize: option({ env: 'PARLEY_BACKTEST_PAGE_SIZE', kind: 'int', default: 2000, min: 1, max: 100000, doc: 'events a rules backtest reads per page of the log (one progress line per page)' }),
  httpKeepAliveTimeoutMs: option({ env: 'PARLEY_HTTP_KEEP_ALIVE_TIMEOUT_MS', kind: 'int', default: 72000, min: 100, max: 3600000, doc: 'an idle keep-alive connection is closed after this long; above the 60 s idle timeout of common load balancers, so they close first' }),
};

type OptionValue<O> = O extends Option<infer K, infer D> ? (undefined extends D ? Value<K> | undefined : Value<K>) : never;
export type Config = { readonly [K in keyof typeof options]: OptionValue<(typeof options)[K]> };

export class ConfigError extends Error {}

function parse(o: Option<Kind, Value<Kind> | undefined>, raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return o.default;
  switch (o.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${o.env} must be a whole number, got "${o.secret ? '***' : raw}"`);
      const n = Number(raw);
      if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
        throw new ConfigError(`${o.env} must be between ${o.min} and ${o.max}, got ${n}`);
      }
      return n;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${o.env} must be true or false`);
    case 'url':
      try {
        new URL(raw);
      } catch {
        throw new ConfigError(`${o.env} must be a URL (postgres://user:pass@host:port/db)`);
      }
      return raw;
    default:
      return raw;
  }
}

/** MEMCACHED_SERVERS, checked: host:port entries, comma-separated, each once. */
function parseServers(raw: string): string {
  const servers = raw.split(',').map((x) => x.trim()).filter(Boolean);
  for (const server of servers) {
    const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(server);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new ConfigError(`MEMCACHED_SERVERS must list host:port entries, comma-separated; "${server.slice(0, 80)}" is not one`);
  }
  if (servers.length === 0) throw new ConfigError('MEMCACHED_SERVERS names no server');
  if (new Set(servers).size !== servers.length) throw new ConfigError('MEMCACHED_SERVERS lists a server twice');
  return servers.join(',');
}

/** Reads the environment once. `overrides` lets tests and the start script set options in code. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const out: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(options) as [string, Option<Kind, Value<Kind> | undefined>][]) {
    out[key] = key in overrides ? (overrides as Record<string, unknown>)[key] : parse(o, env[o.env]);
  }
  if ((out.pageSizeDefault as number) > (out.pageSizeMax as number)) {
    throw new ConfigError('PARLEY_PAGE_SIZE_DEFAULT must not exceed PARLEY_PAGE_SIZE_MAX');
  }
  if ((out.httpHeadersTimeoutMs as number) > (out.httpRequestTimeoutMs as number)) {
    throw new ConfigError('PARLEY_HTTP_HEADERS_TIMEOUT_MS must not exceed PARLEY_HTTP_REQUEST_TIMEOUT_MS');
  }
  if (out.databaseUrl !== undefined && out.topology !== undefined) {
    throw new ConfigError('Set DATABASE_URL (one database) or PARLEY_TOPOLOGY (a topology file), not both');
  }
  if (out.memcachedServers !== undefined) out.memcachedServers = parseServers(out.memcachedServers as string);
  if (out.secret !== undefined && (out.secret as string).length < 16) throw new ConfigError('PARLEY_SECRET must have at least 16 characters');
  if (!out.publicUrl) out.publicUrl = `http://127.0.0.1:${out.port as number}`;
  return Object.freeze(out) as Config;
}

/** The config as it may be logged: secrets masked. */
export function describeConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(options) as [string, Option<Kind, Value<Kind> | undefined>][]) {
    const v = (config as Record<string, unknown>)[key];
    out[o.env] = o.secret && v !== undefined ? '***' : v;
  }
  return out;
}
