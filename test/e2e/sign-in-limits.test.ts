/**
 * Abandoned sign-ins in a real Chromium (issue 13.4): forty sign-ins left at the provider's page
 * do not lock the browser out (every one used to leave a cookie until Node answered 431), and two
 * tabs signing in at once both succeed.
 */
import { expect, test } from '@jest/globals';
import { browserSuite, EXAMPLES, inContext, signInAtProvider, suiteStack } from './browser.js';

const { suite, browser: launched } = browserSuite();

const ALICE = { email: 'alice@example.com', password: 'alice-password' };

suite.each(EXAMPLES)('sign-in attempts in Chromium on the %s example', (framework, modulePath) => {
  const stack = suiteStack(modulePath, { accessTokenTTL: 300, options: {} });

  test('40 abandoned sign-ins, then a normal sign-in succeeds', async () => {
    await inContext(launched(), {}, async (context) => {
      const page = await context.newPage();
      for (let i = 0; i < 40; i++) {
        // a long returnTo makes each attempt's cookie large, as a deep link would
        await page.goto(`${stack().baseURL}/login?returnTo=${encodeURIComponent(`/dashboard?from=${i}&q=${'x'.repeat(1500)}`)}`);
        await page.waitForURL((url) => url.origin === stack().idp.issuer);
      }
      const cookies = await context.cookies(stack().baseURL);
      expect(cookies.filter((c) => c.name.includes('.tx.')).length).toBeLessThanOrEqual(3);
      const response = await page.goto(`${stack().baseURL}/dashboard`);
      expect(response!.status()).toBeLessThan(400); // not 431: on to the provider
      await signInAtProvider(page, stack(), ALICE);
      expect(new URL(page.url()).pathname).toBe('/dashboard');
      await page.locator('#signed-in').waitFor();
    });
  }, 90_000);

  test('two tabs signing in at once both succeed', async () => {
    await inContext(launched(), {}, async (context) => {
      const one = await context.newPage();
      const two = await context.newPage();
      await one.goto(`${stack().baseURL}/login?returnTo=%2Fdashboard`);
      await two.goto(`${stack().baseURL}/login?returnTo=%2Fadmin`);
      await signInAtProvider(one, stack(), ALICE);
      await signInAtProvider(two, stack(), ALICE);
      expect(new URL(one.url()).pathname).toBe('/dashboard');
      expect(new URL(two.url()).pathname).toBe('/admin');
      await two.locator('#admin').waitFor();
    });
  }, 60_000);
});
