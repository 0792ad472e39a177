// Single sign-on by JWT over real HTTP: HS256 with the forum's SSO secret, RS256 and ES256 by the
// site's JWKS served from a real HTTP server on loopback; exp, nbf and the audience; the site's
// user is the same Parley user whichever way the site signs it in.
import t from 'tap';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { overHttp, testApi } from '../../../test/harness/app.ts';
import type { TapTest } from '../../../test/harness/db.ts';


/** the site's JWKS, served as a site would (its private keys stay in the test) */
async function jwksServer(t: TapTest, keys: JWK[]): Promise<string> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
}

const claims = { sub: 'site-user-9', name: 'Grace H.', email: 'grace@example.com', picture: 'https://example.com/grace.png' };

t.test('JWT single sign-on: HS256 with the forum\'s secret, RS256 and ES256 by the site\'s JWKS', async (t) => {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('RS256');
  const jwks = await jwksServer(t, [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ]);
  const api = await testApi(t, { ssoJwksAllowHttp: true });
  const call = await overHttp(api);
  const { forum, moderatorKey } = await api.forum();
  const secret = (await call('POST', `/v1/forums/${forum.slug}/sso-secret`, undefined, moderatorKey)).body.secret as string;
  const hs = (c: object, o: { aud?: string; exp?: string | number; nbf?: string | number; key?: string } = {}) => {
    const jwt = new SignJWT({ ...claims, ...c }).setProtectedHeader({ alg: 'HS256' }).setAudience(o.aud ?? forum.slug).setIssuedAt();
    if (o.exp !== null) jwt.setExpirationTime(o.exp ?? '5m');
    if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
    return jwt.sign(new TextEncoder().encode(o.key ?? secret));
  };
  const code = async (token: string) => {
    const r = await call('POST', '/v1/sso/jwt', { forum: forum.slug, token });
    return [r.status, r.body.error?.code ?? 'ok'];
  };

  const signedIn = await call('POST', '/v1/sso/jwt', { forum: forum.slug, token: await hs({}) });
  t.same([signedIn.status, signedIn.body.user.username], [200, 'Grace H.'], 'HS256 with the forum\'s secret');
  t.equal((await call('POST', `/v1/threads/${(await api.thread(forum.slug)).id}/posts`, { message: 'hi' }, signedIn.body.token)).status, 201, 'and the session posts');

  t.same(await code(await hs({}, { aud: 'another-forum' })), [401, 'sso_wrong_audience'], 'another audience');
  t.same(await code(await hs({}, { exp: Math.floor(Date.now() / 1000) - 120 })), [401, 'sso_expired'], 'expired');
  t.same(await code(await hs({}, { nbf: Math.floor(Date.now() / 1000) + 600 })), [401, 'sso_expired'], 'not valid yet');
  t.same(await code(await hs({}, { key: 'not-the-secret' })), [401, 'sso_signature_invalid'], 'another secret');
  const noExp = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setAudience(forum.slug).sign(new TextEncoder().encode(secret));
  t.same(await code(noExp), [400, 'invalid_sso'], 'no exp: refused, a token must expire');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, aud: forum.slug, exp: 9999999999 })).toString('base64url')}.`;
  t.same(await code(none), [400, 'invalid_sso'], 'alg none');
  const hsBody = `${Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, aud: forum.slug, exp: 9999999999 })).toString('base64url')}`;
  const rsAsHs = `${hsBody}.${createHmac('sha256', JSON.stringify(await exportJWK(rsa.publicKey))).update(hsBody).digest('base64url')}`;
  t.same(await code(rsAsHs), [401, 'sso_signature_invalid'], 'a public key used as an HMAC secret gets nowhere');
  t.same(await code('not.a.jwt'), [400, 'invalid_sso']);
  t.same(await code(await hs({ email: 'nope' })), [400, 'invalid_email'], 'the claims are checked as remote_auth_s3\'s fields are');

  const rs = (key: CryptoKey, kid: string, alg = 'RS256') => new SignJWT(claims).setProtectedHeader({ alg, kid }).setAudience(forum.slug).setExpirationTime('5m').sign(key);
  t.same(await code(await rs(rsa.privateKey, 'rsa-1')), [400, 'sso_not_configured'], 'RS256 before the forum names its JWKS');
  const patched = await call('PATCH', `/v1/forums/${forum.slug}`, { settings: { ssoJwksUrl: jwks } }, moderatorKey);
  t.equal(patched.status, 200);
  t.equal(patched.body.forum.settings.ssoJwksUrl, jwks, 'the JWKS URL is a public setting');
  const byRsa = await call('POST', '/v1/sso/jwt', { forum: forum.slug, token: await rs(rsa.privateKey, 'rsa-1') });
  t.same([byRsa.status, byRsa.body.user?.id], [200, signedIn.body.user.id], 'RS256 by the JWKS: the same site user, the same Parley user');
  t.same(await code(await rs(ec.privateKey, 'ec-1', 'ES256')), [200, 'ok'], 'ES256 by the JWKS');
  t.same(await code(await rs(stranger.privateKey, 'rsa-1')), [401, 'sso_signature_invalid'], 'a key the site never published');

  const dsq = Buffer.from(JSON.stringify({ id: claims.sub, username: 'Grace H.', email: claims.email })).toString('base64');
  const ts = Math.floor(Date.now() / 1000);
  const viaDisqus = await call('POST', '/v1/sso/disqus', { forum: forum.slug, remoteAuth: `${dsq} ${createHmac('sha1', secret).update(`${dsq} ${ts}`).digest('hex')} ${ts}` });
  t.equal(viaDisqus.body.user.id, signedIn.body.user.id, 'remote_auth_s3 for the same site id: the same user');

  await call('PATCH', `/v1/forums/${forum.slug}`, { settings: { ssoJwksUrl: 'http://127.0.0.1:9/jwks.json', ssoAudience: 'comments.example' } }, moderatorKey);
  const audienced = (key: CryptoKey) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).setAudience('comments.example').setExpirationTime('5m').sign(key);
  const gone = await call('POST', '/v1/sso/jwt', { forum: forum.slug, token: await audienced(rsa.privateKey) });
  t.same([gone.status, gone.body.error.code], [503, 'sso_keys_unavailable'], 'a JWKS that cannot be fetched: 503, never a 500');
  const hsAud = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setAudience('comments.example').setExpirationTime('5m').sign(new TextEncoder().encode(secret));
  t.same(await code(hsAud), [200, 'ok'], 'ssoAudience replaces the slug as the audience');
  t.same(await code(await hs({})), [401, 'sso_wrong_audience'], 'and the slug is no longer it');
});

t.test('JWKS over plain http is refused unless the operator allows it', async (t) => {
  const api = await testApi(t);
  const call = await overHttp(api);
  const rsa = await generateKeyPair('RS256');
  const jwks = await jwksServer(t, [{ ...(await exportJWK(rsa.publicKey)), kid: 'k' }]);
  const { forum, moderatorKey } = await api.forum();
  await call('PATCH', `/v1/forums/${forum.slug}`, { settings: { ssoJwksUrl: jwks } }, moderatorKey);
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k' }).setAudience(forum.slug).setExpirationTime('5m').sign(rsa.privateKey);
  const r = await call('POST', '/v1/sso/jwt', { forum: forum.slug, token });
  t.same([r.status, r.body.error.code], [400, 'sso_not_configured'], 'PARLEY_SSO_JWKS_ALLOW_HTTP is off by default');
});
