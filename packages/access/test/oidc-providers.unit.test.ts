// The operator's provider list (PARLEY_OIDC_PROVIDERS): inline JSON or a file, every entry checked
// at start-up, and no message ever carries a client secret.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@parley/data';
import { parseOidcProviders } from '@parley/access';

const good = { id: 'corp', name: 'Corp login', issuer: 'https://id.example.com', clientId: 'parley', clientSecret: 's3cret-value' };

t.test('inline or from a file', async (t) => {
  t.same(parseOidcProviders(undefined, false), [], 'unset: none');
  t.same(parseOidcProviders('  ', false), [], 'blank: none');
  t.same(parseOidcProviders(JSON.stringify([good]), false), [good]);
  t.same(parseOidcProviders(JSON.stringify([{ ...good, tokenEndpointAuthMethod: 'client_secret_basic' }]), false)[0].tokenEndpointAuthMethod, 'client_secret_basic');
  const dir = mkdtempSync(join(tmpdir(), 'parley-oidc-'));
  const file = join(dir, 'providers.json');
  writeFileSync(file, JSON.stringify([good, { ...good, id: 'public', clientSecret: undefined }]));
  const fromFile = parseOidcProviders(file, false);
  t.same(fromFile.map((p) => p.id), ['corp', 'public']);
  t.notOk('clientSecret' in fromFile[1], 'a public client has no secret');
  t.same(parseOidcProviders(JSON.stringify([{ ...good, issuer: 'http://127.0.0.1:9999' }]), true)[0].issuer, 'http://127.0.0.1:9999', 'http only when allowed');
});

t.test('what is refused, without repeating a secret', async (t) => {
  const refused = (raw: string, allowHttp = false) => {
    try {
      parseOidcProviders(raw, allowHttp);
    } catch (err) {
      t.ok(err instanceof ConfigError, 'a ConfigError');
      t.notMatch((err as Error).message, /s3cret-value/, 'the message never carries the secret');
      return (err as Error).message;
    }
    return 'accepted';
  };
  t.match(refused('[{'), /not valid JSON/);
  t.match(refused('{"id":"x"}'), /must be a JSON array/);
  t.match(refused('/no/such/file.json'), /could not be read \(ENOENT\)/);
  t.match(refused('[1]'), /entry 0 must be an object/);
  t.match(refused(JSON.stringify([{ ...good, id: 'Bad Id' }])), /id must be lowercase/);
  t.match(refused(JSON.stringify([{ ...good, issuer: 'http://id.example.com' }])), /must be an https URL/);
  t.match(refused(JSON.stringify([{ ...good, issuer: 'not a url' }])), /must be an absolute URL/);
  t.match(refused(JSON.stringify([{ ...good, clientId: '' }])), /needs "clientId"/);
  t.match(refused(JSON.stringify([{ ...good, name: 7 }])), /needs "name"/);
  t.match(refused(JSON.stringify([{ ...good, scope: 'x' }])), /does not take: "scope"/);
  t.match(refused(JSON.stringify([good, good])), /lists a provider id twice/);
  t.match(refused(JSON.stringify([{ ...good, id: 'site' }])), /kept for a forum's own provider/);
  t.match(refused(JSON.stringify([{ ...good, tokenEndpointAuthMethod: 'private_key_jwt' }])), /client_secret_basic or client_secret_post/);
  t.match(refused(JSON.stringify([{ ...good, clientSecret: 5 }])), /needs "clientSecret"/);
});
