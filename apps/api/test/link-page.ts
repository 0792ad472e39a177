// Opening a mailed link's page in real Chromium for a test (the account, invitation and
// personal-data pages): the link's origin is swapped for the test server's, and the page's
// requests and CSP violations are recorded.
import type { Browser, Page } from 'playwright-core';
import type { TapTest } from '../../../test/harness/db.ts';

export interface OpenedPage {
  page: Page;
  /** every URL the page requested */
  requested: string[];
  /** console messages about the Content-Security-Policy */
  violations: string[];
}

export async function openLinkPage(t: TapTest, browser: Browser, base: string, link: URL): Promise<OpenedPage> {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  const requested: string[] = [];
  const violations: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(new URL(link.pathname + link.hash, base).href);
  return { page, requested, violations };
}
