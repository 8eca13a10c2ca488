/**
 * The user's journey through each example app (Express, Koa) in a real headless Chromium against
 * the dev provider: sign in, switch organization, a refused switch, a refresh after the access
 * token expired, sign out, and the Back button after sign-out. Screenshots of every step go to
 * test/e2e/screenshots/ (git-ignored).
 *
 * Needs Debian's Chromium at /usr/bin/chromium; without it the suite is skipped with a warning,
 * or fails when REQUIRE_BROWSER=1.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite, EXAMPLES, screenshotter, signInAtProvider, type Stack, startStack } from './browser.js';

const ACCESS_TOKEN_TTL = 8; // seconds
const REFRESH_BUFFER = 2; // seconds: refresh once the access token expires within 2 s
const STEP_TIMEOUT = 60_000;
const UI_TIMEOUT = 15_000;

const ALICE = { email: 'alice@example.com', password: 'alice-password', name: 'Alice Anderson' };
const BOB = { email: 'bob@example.com', password: 'bob-password' };

const { suite, browser: launched } = browserSuite();

/**
 * A fresh browser context that records every request leaving 127.0.0.1 in `offHost`, and the
 * page's navigations (method, URL, status, caching headers) in `navigations`.
 */
async function newContext(offHost: string[], navigations: string[] = []): Promise<{ context: BrowserContext; page: Page }> {
  const context = await launched().newContext({ viewport: { width: 1100, height: 900 } });
  context.setDefaultTimeout(UI_TIMEOUT);
  context.setDefaultNavigationTimeout(UI_TIMEOUT);
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.protocol !== 'about:' && url.hostname !== '127.0.0.1') offHost.push(request.url());
  });
  const page = await context.newPage();
  page.on('response', (response) => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
      const h = response.headers();
      const url = response.url().replace(/\?.*/, (query) => (query.length > 40 ? '?…' : query)); // no codes or tokens in logs
      navigations.push(`${response.request().method()} ${url} → ${response.status()} cache-control=${h['cache-control'] ?? '-'} vary=${h['vary'] ?? '-'}`);
    }
  });
  return { context, page };
}

/** The org, role and access-token expiry shown on the page. */
async function shown(page: Page) {
  return {
    path: new URL(page.url()).pathname,
    userName: (await page.locator('#user-name').textContent())?.trim(),
    organizationId: await page.locator('#org-name').getAttribute('data-org-id'),
    organizationName: (await page.locator('#org-name').textContent())?.trim(),
    role: (await page.locator('#role').textContent())?.trim(),
    expiresAt: Number(await page.locator('#expires-in').getAttribute('data-expires-at')),
  };
}

suite.each(EXAMPLES)('%s example in Chromium', (framework, modulePath) => {
  let stack: Stack;
  const shot = screenshotter(framework);
  const offHost: string[] = [];
  const contexts: BrowserContext[] = [];
  let page: Page; // Alice's journey
  let failedStep: string | undefined;
  const navigations: string[] = []; // Alice's, printed when a step fails

  /** Alice's journey is one story told in steps: a step after a failed one is not attempted. */
  function step(name: string, fn: () => Promise<void>) {
    test(
      name,
      async () => {
        if (failedStep) throw new Error(`not attempted: the earlier step "${failedStep}" failed`);
        try {
          await fn();
        } catch (error) {
          failedStep = name;
          console.log(`${framework}: navigations so far\n  ${navigations.join('\n  ')}`);
          if (page && !page.isClosed()) await shot(page, `FAILED-${name.replace(/\W+/g, '-')}`).catch(() => undefined);
          throw error;
        }
      },
      STEP_TIMEOUT,
    );
  }

  beforeAll(async () => {
    stack = await startStack(modulePath, { accessTokenTTL: ACCESS_TOKEN_TTL, options: { refresh: { buffer: REFRESH_BUFFER } } });
    const alice = await newContext(offHost, navigations);
    contexts.push(alice.context);
    page = alice.page;
  }, 30_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await stack?.close();
  }, 20_000);

  step('the home page, signed out', async () => {
    const response = await page.goto(stack.baseURL + '/');
    expect(response?.status()).toBe(200);
    await expect(page.locator('#signed-out').isVisible()).resolves.toBe(true);
    await expect(page.locator('#signed-in').count()).resolves.toBe(0);
    await shot(page, 'signed-out');
  });

  step('sign in at the provider and land on the dashboard', async () => {
    const dashboard = page.waitForResponse((r) => r.url() === `${stack.baseURL}/dashboard` && r.request().isNavigationRequest());
    await page.locator('#sign-in').click();
    await signInAtProvider(page, stack, ALICE, shot);
    await page.locator('#signed-in').waitFor();
    // What keeps the signed-in page out of the browser's caches (checked with Back below).
    expect((await dashboard).headers()).toMatchObject({ 'cache-control': expect.stringMatching(/no-store/), vary: expect.stringMatching(/cookie/i) });
    const now = shown(page);
    await expect(now).resolves.toMatchObject({
      path: '/dashboard',
      userName: ALICE.name,
      organizationId: 'org_acme',
      organizationName: 'Acme Corp',
      role: 'admin',
    });
    expect((await now).expiresAt).toBeGreaterThan(Date.now() / 1000);
    await expect(page.locator('#error').count()).resolves.toBe(0);
    await shot(page, 'dashboard');
  });

  step("switch organization with the page's own control", async () => {
    await page.locator('#org-select').selectOption('org_globex');
    await Promise.all([page.waitForNavigation(), page.locator('#switch-org').click()]);
    await page.locator('#signed-in').waitFor();
    await expect(shown(page)).resolves.toMatchObject({ path: '/dashboard', organizationId: 'org_globex', organizationName: 'Globex', role: 'member' });
    await expect(page.locator('#error').count()).resolves.toBe(0);
    await expect(page.locator('#org-select').inputValue()).resolves.toBe('org_globex');
    await shot(page, 'switched-org');
  });

  test(
    'a refused switch shows why (Bob, in his own browser context)',
    async () => {
      const bob = await newContext(offHost);
      contexts.push(bob.context);
      const bobPage = bob.page;
      try {
        await bobPage.goto(stack.baseURL + '/dashboard'); // requireAuth: straight to the provider
        await signInAtProvider(bobPage, stack, BOB);
        await bobPage.locator('#signed-in').waitFor();
        await expect(shown(bobPage)).resolves.toMatchObject({ path: '/dashboard', organizationId: 'org_globex', role: 'admin' });
        await shot(bobPage, 'bob-dashboard');

        const errorsBefore = stack.idp.counts.refreshGrantErrors;
        await bobPage.locator('#org-select').selectOption('org_acme');
        await Promise.all([bobPage.waitForNavigation(), bobPage.locator('#switch-org').click()]);
        const banner = bobPage.locator('#error');
        await banner.waitFor();
        expect(await banner.isVisible()).toBe(true);
        expect(await banner.textContent()).toMatch(/not a member of that organization/i);
        expect(stack.idp.counts.refreshGrantErrors).toBe(errorsBefore + 1);
        // Still Bob, still in Globex as admin; the switcher shows where he is.
        await expect(shown(bobPage)).resolves.toMatchObject({ organizationId: 'org_globex', organizationName: 'Globex', role: 'admin' });
        await expect(bobPage.locator('#org-select').inputValue()).resolves.toBe('org_globex');
        await shot(bobPage, 'refused-switch');
      } catch (error) {
        await shot(bobPage, 'FAILED-refused-switch').catch(() => undefined);
        throw error;
      } finally {
        await bob.context.close();
      }
    },
    STEP_TIMEOUT,
  );

  step('after the access token expired, a reload refreshes it and stays signed in', async () => {
    const before = await shown(page);
    const refreshesBefore = stack.idp.counts.refreshGrants;
    // The page's countdown says "expired" (polled in the browser), then make sure the token's
    // lifetime really is over before reloading.
    await page.locator('#expires-in.expired').waitFor({ timeout: (ACCESS_TOKEN_TTL + 5) * 1000 });
    await shot(page, 'token-expired');
    while (Date.now() / 1000 < before.expiresAt + 0.2) await new Promise((resolve) => setTimeout(resolve, 100));

    const response = await page.reload();
    expect(response?.status()).toBe(200);
    await page.locator('#signed-in').waitFor();
    const after = await shown(page);
    expect(after).toMatchObject({ path: '/dashboard', userName: ALICE.name, organizationId: 'org_globex', role: 'member' });
    expect(stack.idp.counts.refreshGrants).toBeGreaterThan(refreshesBefore);
    expect(after.expiresAt).toBeGreaterThan(before.expiresAt);
    expect(after.expiresAt).toBeGreaterThan(Date.now() / 1000);
    // The countdown shows the new expiry, not "expired".
    const countdown = page.locator('#expires-in');
    expect((await countdown.getAttribute('class')) ?? '').not.toMatch(/expired/);
    expect(await countdown.textContent()).toMatch(/^\d+ s$/);
    await shot(page, 'refreshed');
  });

  step("sign out with the page's button", async () => {
    await Promise.all([
      page.waitForURL((url) => url.origin === stack.baseURL && url.pathname === '/'),
      page.locator('#sign-out').click(),
    ]);
    await page.locator('#signed-out').waitFor();
    await expect(page.locator('#signed-in').count()).resolves.toBe(0);
    const cookies = await page.context().cookies(stack.baseURL);
    expect(cookies.map((c) => c.name)).toEqual([]);
    await shot(page, 'signed-out-again');
  });

  step('the Back button does not show the dashboard from cache', async () => {
    const seen = navigations.length;
    await page.goBack({ waitUntil: 'load' });
    // Wherever Back lands, it must not be the signed-in dashboard: the app's signed-out page or
    // the provider's login page (requireAuth redirected).
    await page.waitForLoadState('load');
    const url = new URL(page.url());
    await expect(page.locator('#signed-in').count()).resolves.toBe(0);
    const atLogin = url.origin === stack.idp.issuer && (await page.locator('#email').count()) === 1;
    const signedOut = url.origin === stack.baseURL && (await page.locator('#signed-out').count()) === 1;
    if (!(atLogin || signedOut)) throw new Error(`Back landed on ${page.url()}: neither the signed-out page nor the provider's login`);
    // Back went to the dashboard's history entry, and the browser asked the server again
    // (no-store), which sent it to sign in.
    expect(navigations[seen]).toMatch(new RegExp(`^GET ${stack.baseURL}/dashboard → 302 `));
    await shot(page, 'back-button');
    if (process.env.E2E_TRACE) console.log(`${framework}: navigations\n  ${navigations.join('\n  ')}`);
  });

  test('no request left 127.0.0.1', () => {
    expect(offHost).toEqual([]);
  });
});
