import t from 'tap';
import { configError } from './config-error.ts';
import { describeConfig, loadConfig, options } from '@parley/data';

t.test('defaults: every option has one, and an empty environment is a valid one-machine config', async (t) => {
  const c = loadConfig({});
  t.equal(c.port, 3000);
  t.equal(c.pageSizeDefault, 50);
  t.equal(c.databaseUrl, undefined, 'no DATABASE_URL: embedded Postgres');
  t.equal(c.publicUrl, 'http://127.0.0.1:3000', 'the public URL follows the port');
  t.ok(Object.isFrozen(c), 'frozen');
  for (const [key, o] of Object.entries(options)) t.ok('default' in o && o.doc.length > 0, `${key} has a default and a doc`);
});

t.test('values are parsed by kind', async (t) => {
  const c = loadConfig({ PORT: '8080', PARLEY_TRUST_PROXY: 'yes', DATABASE_URL: 'postgres://u:p@h:5432/d', LOG_LEVEL: 'warn' });
  t.equal(c.port, 8080);
  t.equal(c.trustProxy, true);
  t.equal(c.databaseUrl, 'postgres://u:p@h:5432/d');
  t.equal(loadConfig({ PARLEY_TRUST_PROXY: 'off' }).trustProxy, false);
  t.equal(loadConfig({ PORT: '' }).port, 3000, 'an empty variable is unset');
});

t.test('bad values are refused with a message naming the variable', async (t) => {
  const refused = (env: Record<string, string>, pattern: RegExp, what: string) => configError(t, () => loadConfig(env), pattern, what);
  refused({ PORT: 'eighty' }, /^PORT must be a whole number/, 'not a number');
  refused({ PORT: '70000' }, /^PORT must be between 0 and 65535/, 'out of range');
  refused({ PARLEY_TRUST_PROXY: 'maybe' }, /^PARLEY_TRUST_PROXY must be true or false/, 'not a boolean');
  refused({ DATABASE_URL: 'not a url' }, /^DATABASE_URL must be a URL/, 'not a URL');
  refused({ PARLEY_PAGE_SIZE_DEFAULT: '200', PARLEY_PAGE_SIZE_MAX: '100' }, /PAGE_SIZE_DEFAULT must not exceed/, 'default above max');
  refused({ PARLEY_HTTP_HEADERS_TIMEOUT_MS: '5000', PARLEY_HTTP_REQUEST_TIMEOUT_MS: '1000' }, /HEADERS_TIMEOUT_MS must not exceed/, 'header timeout above request timeout');
  refused({ PARLEY_SECRET: 'short' }, /PARLEY_SECRET must have at least 16 characters/, 'short secret');
});

t.test('describeConfig masks every secret and keeps the rest', async (t) => {
  const c = loadConfig({
    DATABASE_URL: 'postgres://u:pw@h/d',
    PARLEY_ADMIN_TOKEN: 'admin-token-value',
    SMTP_URL: 'smtp://a:b@mail:587',
    PARLEY_SECRET: 'sixteen-characters!',
    REDIS_URL: 'redis://:pw@r:6379',
    PARLEY_OIDC_PROVIDERS: '[{"id":"corp","clientSecret":"pw@provider"}]',
    PARLEY_AKISMET_KEY: 'pw@akismet-key',
  });
  const d = describeConfig(c);
  for (const [, o] of Object.entries(options)) {
    if ('secret' in o && o.secret) t.equal(d[o.env], '***', `${o.env} masked`);
  }
  t.equal(d.PORT, 3000, 'a plain value is shown');
  t.notOk(JSON.stringify(d).includes('pw@'), 'no password anywhere');
  t.equal(describeConfig(loadConfig({})).DATABASE_URL, undefined, 'an unset secret shows as unset, not as ***');
});

t.test('overrides set options in code (start script, tests)', async (t) => {
  const c = loadConfig({ PORT: '1' }, { port: 2, databaseUrl: 'postgres://x/y' });
  t.equal(c.port, 2);
  t.equal(c.databaseUrl, 'postgres://x/y');
});
