// One logging setup for every process: pino, JSON lines on stdout, with one secret-masking rule.
// A secret is masked twice over: by where it sits (the Authorization and X-Parley-Voter headers of
// a logged request) and by what it is (the value of every option the config marks secret, and the
// password inside a secret URL, wherever it appears in a message or an error).
import { pino, type DestinationStream, type Logger } from 'pino';
import { describeConfig, options, type Config } from './config.ts';
import { loadTopologyFile, topologyUrls } from './topology.ts';

export type { Logger } from 'pino';

export const MASK = '***';

/** Where secrets sit in what fastify logs. */
export const redactedPaths = ['req.headers.authorization', 'req.headers["x-parley-voter"]', 'req.headers.cookie'];

/** A connection string and the password inside it (both spellings), as secrets. */
function addUrl(out: Set<string>, url: string): void {
  out.add(url);
  try {
    const u = new URL(url);
    if (u.password) {
      out.add(u.password);
      out.add(decodeURIComponent(u.password));
    }
  } catch {
    // validated where it was read; nothing more to find
  }
}

/**
 * The secret strings of a config: secret options' values, the passwords of secret URLs, and
 * every connection string of the topology file (an unreadable file adds nothing here: opening
 * the databases reports it).
 */
export function secretValues(config: Config): string[] {
  const out = new Set<string>();
  for (const [key, o] of Object.entries(options)) {
    const v = (config as Record<string, unknown>)[key];
    if (!('secret' in o) || !o.secret || typeof v !== 'string' || v === '') continue;
    if (o.kind === 'url') addUrl(out, v);
    else out.add(v);
  }
  if (config.topology) {
    try {
      for (const url of topologyUrls(loadTopologyFile(config.topology)).all) addUrl(out, url);
    } catch {
      // reported by openDatabase
    }
  }
  // the longest first, so a URL is masked whole before its password is
  return [...out].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** Replaces every secret of the config in a text with ***. */
export function masker(config: Config): (text: string) => string {
  const secrets = secretValues(config);
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join(MASK);
    return out;
  };
}

/** The process's logger; `name` is the process or tier (api, worker, realtime, start, cli). */
export function createLogger(config: Config, name: string, destination?: DestinationStream): Logger {
  const mask = masker(config);
  return pino(
    {
      name,
      level: config.logLevel,
      redact: { paths: redactedPaths, censor: MASK },
      hooks: {
        logMethod(args, method) {
          // messages and their format arguments; objects are covered by the serializers below
          const masked = args.map((a) => (typeof a === 'string' ? mask(a) : a)) as Parameters<typeof method>;
          return method.apply(this, masked);
        },
      },
      serializers: {
        err: (err: unknown) => {
          const e = pino.stdSerializers.err(err as Error);
          if (e && typeof e === 'object') {
            if (typeof e.message === 'string') e.message = mask(e.message);
            if (typeof e.stack === 'string') e.stack = mask(e.stack);
          }
          return e;
        },
      },
    },
    destination,
  );
}

/** The config a process runs with, as a structured field (`describeConfig`: secrets masked). */
export const logConfig = (logger: Logger, config: Config): void => logger.info({ config: describeConfig(config) }, 'config');

/** A `(line) => void` for code that logs plain lines (the worker's and realtime's callbacks). */
export const lineLogger = (logger: Logger) => (line: string): void => logger.info(line);
