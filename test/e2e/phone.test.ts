/**
 * The example apps at phone width (390 × 844) in a real headless Chromium: signed-out home, the
 * provider's sign-in page, the dashboard and the admin page never scroll sideways, the Admin link
 * shows only with the permission, and the pages ask for no favicon that would 404.
 */
import { expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import { browserSuite, EXAMPLES, inContext, screenshotter, suiteStack } from './browser.js';

const { suite, browser: launched } = browserSuite();

/** Pixels the page is wider than the viewport (0 = no horizontal scroll). */
const sideways = (page: Page) =>
  // runs in the page: the browser's `document` (this project's types have no DOM lib)
  page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });

suite.each(EXAMPLES)('the %s example at phone width (390 px)', (framework, modulePath) => {
  const stack = suiteStack(modulePath, { accessTokenTTL: 300, options: {} });

  test('no page scrolls sideways; Admin only for admins; no favicon request', async () => {
    const shot = screenshotter(`phone-${framework}`);
    await inContext(launched(), { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, async (context) => {
      const notFound: string[] = [];
      context.on('response', (response) => {
        if (response.status() === 404) notFound.push(new URL(response.url()).pathname);
      });
      const page = await context.newPage();
      await page.goto(`${stack().baseURL}/`);
      await shot(page, 'home');
      expect(await sideways(page)).toBe(0);
      expect(await page.locator('header nav a[href="/admin"]').count()).toBe(0);

      await page.goto(`${stack().baseURL}/dashboard`);
      await page.waitForURL((url) => url.origin === stack().idp.issuer);
      await page.locator('#email').fill('alice@example.com');
      await page.locator('#password').fill('alice-password');
      await shot(page, 'provider-login');
      expect(await sideways(page)).toBe(0);
      await Promise.all([page.waitForURL((url) => url.origin === stack().baseURL && url.pathname === '/dashboard'), page.locator('#sign-in').click()]);
      await shot(page, 'dashboard');
      expect(await sideways(page)).toBe(0);
      // Alice is an admin of Acme (members:manage): the header offers the admin area
      expect(await page.locator('header nav a[href="/admin"]').count()).toBe(1);
      await page.goto(`${stack().baseURL}/admin`);
      await shot(page, 'admin');
      expect(await sideways(page)).toBe(0);
      expect(notFound).toEqual([]);
    });
  }, 60_000);

  test("a member without the permission gets the app's own 403 page (onDenied), readable on a phone", async () => {
    const shot = screenshotter(`phone-denied-${framework}`);
    await inContext(launched(), { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, async (context) => {
      const page = await context.newPage();
      await page.goto(`${stack().baseURL}/admin`);
      await page.waitForURL((url) => url.origin === stack().idp.issuer);
      await page.locator('#email').fill('carol@example.com');
      await page.locator('#password').fill('carol-password');
      const [response] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/admin' && r.request().method() === 'GET' && r.status() !== 302),
        page.locator('#sign-in').click(),
      ]);
      expect(response.status()).toBe(403);
      await page.locator('#forbidden').waitFor();
      expect(await page.locator('#forbidden').innerText()).toContain('members:manage');
      await shot(page, 'forbidden');
      expect(await sideways(page)).toBe(0);
    });
  }, 60_000);
});
