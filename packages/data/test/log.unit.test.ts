// The one secret-masking rule of every process's logger (packages/data/src/log.ts).
import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger, loadConfig, masker, secretValues } from '@parley/data';

const config = loadConfig({
  DATABASE_URL: 'postgres://parley:db-pass-word@db.internal:5432/parley',
  PARLEY_ADMIN_TOKEN: 'pat_admin_0123456789',
  SMTP_URL: 'smtp://mailer:smtp%40pass@mail:587',
  LOG_LEVEL: 'info',
});

/** A logger writing into memory, and the parsed lines. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(config, 'test', sink), lines };
}

t.test('the secrets of a config: secret values and the passwords in secret URLs', async (t) => {
  const s = secretValues(config);
  t.ok(s.includes('pat_admin_0123456789'), 'the admin token');
  t.ok(s.includes('db-pass-word'), 'the database password');
  t.ok(s.includes('smtp@pass') && s.includes('smtp%40pass'), 'an encoded password, both spellings');
  t.notOk(s.includes('3000'), 'not a plain value');
});

t.test('masker replaces every occurrence, URL first', async (t) => {
  const mask = masker(config);
  t.equal(mask('connect postgres://parley:db-pass-word@db.internal:5432/parley failed'), 'connect *** failed');
  t.equal(mask('token pat_admin_0123456789 and again pat_admin_0123456789'), 'token *** and again ***');
  t.equal(mask('nothing secret here'), 'nothing secret here');
  t.equal(masker(loadConfig({}))('pat_admin_0123456789'), 'pat_admin_0123456789', 'a config without secrets masks nothing');
});

t.test('log lines are JSON, named, and carry no secret', async (t) => {
  const { logger, lines } = capture();
  logger.info('api: connecting to postgres://parley:db-pass-word@db.internal:5432/parley');
  logger.warn({ err: new Error('auth failed for pat_admin_0123456789') }, 'request refused');
  logger.info({ req: { headers: { authorization: 'Bearer pmk_secret', 'x-parley-voter': 'voter-key', host: 'h' } } }, 'a request');
  logger.debug('below the level');
  t.equal(lines.length, 3, 'one JSON line per call at or above the level');
  t.equal(lines[0].name, 'test');
  t.equal(lines[0].msg, 'api: connecting to ***');
  const err = lines[1].err as { message: string; stack: string };
  t.equal(err.message, 'auth failed for ***', "an error's message is masked");
  t.notOk(err.stack.includes('pat_admin'), 'and its stack');
  const headers = (lines[2].req as { headers: Record<string, string> }).headers;
  t.equal(headers.authorization, '***', 'the Authorization header is redacted');
  t.equal(headers['x-parley-voter'], '***', 'the voter key is redacted');
  t.equal(headers.host, 'h', 'other headers stay');
  t.notOk(JSON.stringify(lines).includes('db-pass-word'), 'the database password appears nowhere');
});
