// OpenID Connect for the fuzzer: a real provider on loopback (test/harness/oidc.ts) for the API
// child to sign readers in with, and sign-ins made up front by a scripted browser and stopped just
// before their callback. Each callback works once (its flow row is deleted when read), so the
// valid callback requests spend them one by one, like the spare sessions; the start answers a
// redirect (302), its documented success. Redirect-mode sign-ins are taken through their callback
// too, to the one-time codes the valid redeem requests spend.
import { Browser, testOidcProvider } from '../../test/harness/oidc.ts';

export const FUZZ_OIDC_PROVIDER = 'fuzz';

/** The provider, and the API child's environment that configures it. */
export async function fuzzOidcProvider(t: { teardown(fn: () => unknown): void }): Promise<{ env: Record<string, string> }> {
  // the child listens on a port chosen at start, and its public URL says port 0: any loopback URL will do
  const op = await testOidcProvider(t, { redirectUris: 'any-loopback' });
  op.accounts.set('fuzz-reader', { name: 'Fuzz Reader', email: 'reader@example.com', email_verified: true, preferred_username: 'fuzz_reader' });
  op.signInAs('fuzz-reader');
  const providers = [{ id: FUZZ_OIDC_PROVIDER, name: 'Fuzz ID', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }];
  return { env: { PARLEY_OIDC_PROVIDERS: JSON.stringify(providers), PARLEY_OIDC_ALLOW_HTTP: 'true' } };
}

/**
 * `n` sign-ins taken to the provider and back, each stopped at its callback: the path to load on
 * the API (`base`) and the cookie that binds it to its browser. None when the API has no such
 * provider (a fuzz run without one).
 */
export async function oidcCallbacks(base: string, forum: string, n: number, query = ''): Promise<{ path: string; cookie: string }[]> {
  const listed = (await (await fetch(`${base}/v1/oidc/providers`)).json()) as { providers?: { id: string }[] };
  if (!listed.providers?.some((p) => p.id === FUZZ_OIDC_PROVIDER)) return [];
  const out: { path: string; cookie: string }[] = [];
  for (let i = 0; i < n; i++) {
    const browser = new Browser();
    const { stoppedAt, res } = await browser.follow(`${base}/v1/oidc/${FUZZ_OIDC_PROVIDER}/start?forum=${forum}${query}`, (u) => u.pathname.endsWith(`/v1/oidc/${FUZZ_OIDC_PROVIDER}/callback`));
    if (!stoppedAt) throw new Error(`seed: an OIDC sign-in never came back: ${res?.status} ${(await res?.text())?.slice(0, 300)}`);
    const cookie = [...(browser.jar.get(new URL(base).origin) ?? [])].map(([k, v]) => `${k}=${v}`).join('; ');
    out.push({ path: `${stoppedAt.pathname}${stoppedAt.search}`, cookie });
  }
  return out;
}

/** `n` redirect-mode sign-ins taken all the way back to `returnTo`: their one-time codes. */
export async function oidcCodes(base: string, forum: string, returnTo: string, n: number): Promise<string[]> {
  const codes: string[] = [];
  for (const { path, cookie } of await oidcCallbacks(base, forum, n, `&mode=redirect&returnTo=${encodeURIComponent(returnTo)}`)) {
    const res = await fetch(base + path, { redirect: 'manual', headers: { cookie } });
    const code = new URLSearchParams(new URL(res.headers.get('location') ?? returnTo).hash.slice(1)).get('parley_oidc');
    if (!code) throw new Error(`seed: a redirect-mode sign-in came back without a code: ${res.status} ${res.headers.get('location')}`);
    codes.push(code);
  }
  return codes;
}
