// OpenID Connect sign-in from the widget, in real Chromium against a real provider (oidc-provider,
// started by the harness): the session frame shows a button per provider; its popup runs the flow
// and hands the session to the frame (on the API's origin), never to the host page; a refusal at
// the provider is said in the account bar.
import t from 'tap';
import { freePort } from '../../../scripts/lib/free-port.ts';
import { browserStack, ownSel, type Reader } from '../../../test/harness/browser.ts';
import { testOidcProvider } from '../../../test/harness/oidc.ts';

// the API's address is known before it starts: the provider allows exactly its callback
const base = `http://127.0.0.1:${await freePort()}`;
const op = await testOidcProvider(t, { redirectUris: [`${base}/v1/oidc/test/callback`] });
const providers = [{ id: 'test', name: 'Test ID', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }];
const stack = await browserStack(t, { publicUrl: base, oidcAllowHttp: true, oidcProviders: JSON.stringify(providers) });

const frameOf = (r: Reader) => r.page.frameLocator('iframe.parley-session');
const signedIn = (r: Reader, yes: boolean) => r.page.waitForSelector(`section.parley[data-signed-in="${yes}"]`, { timeout: 10_000 });

/** Clicks the provider's button in the frame; returns the popup it opened. */
async function clickProvider(r: Reader) {
  const [popup] = await Promise.all([r.context.waitForEvent('page'), frameOf(r).locator('button.parley-oidc[data-provider=test]').click()]);
  return popup;
}

await stack.test('sign in with an OpenID Connect provider in a popup', async (t, open) => {
  op.accounts.set('oidc-sub-1', { name: 'Olga Provider', preferred_username: 'olga', email: 'olga@example.com', email_verified: true });
  const { url } = await stack.thread();
  const r = await open(url);
  const button = frameOf(r).locator('button.parley-oidc[data-provider=test]');
  await button.waitFor();
  t.equal(await button.innerText(), 'Sign in with Test ID', 'a button per configured provider');

  op.signInAs('oidc-sub-1');
  const popup = await clickProvider(r);
  await signedIn(r, true);
  await frameOf(r).locator('.parley-me', { hasText: 'Olga Provider' }).waitFor();
  t.pass('the popup signed the reader in, by the provider\'s name');
  await popup.waitForEvent('close', { timeout: 5000 }).catch(() => {});
  t.ok(popup.isClosed(), 'and closed itself');

  const post = await r.compose('signed in by my provider');
  t.equal(await r.page.locator(ownSel(post.id, '.parley-author')).innerText(), post.author.name, 'the comment shows the account\'s name');
  t.notOk((await r.page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie + document.documentElement.outerHTML)).includes('put_'), 'no session token reached the host page');

  // cancelled at the provider: said in the account bar, still signed out
  await frameOf(r).locator('button.parley-signout').click();
  await signedIn(r, false);
  await r.context.clearCookies(); // the provider's own session too, so it asks again
  op.deny();
  const denied = await clickProvider(r);
  await frameOf(r).locator('.parley-account .parley-error', { hasText: 'cancelled' }).waitFor({ timeout: 10_000 });
  t.pass('a refusal at the provider is said in the frame');
  t.equal(await r.widget.getAttribute('data-signed-in'), 'false');
  await denied.close();
});
