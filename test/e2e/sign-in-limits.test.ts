/**
 * Abandoned sign-ins in a real Chromium (issue 13.4): forty sign-ins left at the provider's page
 * do not lock the browser out (every one used to leave a cookie until Node answered 431), and two
 * tabs signing in at once both succeed.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import { browserSuite, EXAMPLES, type Stack, startStack } from './browser.js';

const { suite, browser: launched } = browserSuite();

async function signInAt(page: Page, stack: Stack) {
  await page.waitForURL((url) => url.origin === stack.idp.issuer && url.pathname.startsWith('/interaction/'));
  await page.locator('#email').fill('alice@example.com');
  await page.locator('#password').fill('alice-password');
  await Promise.all([page.waitForURL((url) => url.origin === stack.baseURL && url.pathname !== '/callback'), page.locator('#sign-in').click()]);
}

suite.each(EXAMPLES)('sign-in attempts in Chromium on the %s example', (framework, modulePath) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(modulePath, { accessTokenTTL: 300, options: {} });
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
  });

  test('40 abandoned sign-ins, then a normal sign-in succeeds', async () => {
    const context = await launched().newContext();
    context.setDefaultTimeout(15_000);
    try {
      const page = await context.newPage();
      for (let i = 0; i < 40; i++) {
        // a long returnTo makes each attempt's cookie large, as a deep link would
        await page.goto(`${stack.baseURL}/login?returnTo=${encodeURIComponent(`/dashboard?from=${i}&q=${'x'.repeat(1500)}`)}`);
        await page.waitForURL((url) => url.origin === stack.idp.issuer);
      }
      const cookies = await context.cookies(stack.baseURL);
      expect(cookies.filter((c) => c.name.includes('.tx.')).length).toBeLessThanOrEqual(3);
      const response = await page.goto(`${stack.baseURL}/dashboard`);
      expect(response!.status()).toBeLessThan(400); // not 431: on to the provider
      await signInAt(page, stack);
      expect(new URL(page.url()).pathname).toBe('/dashboard');
      await page.locator('#signed-in').waitFor();
    } finally {
      await context.close();
    }
  }, 90_000);

  test('two tabs signing in at once both succeed', async () => {
    const context = await launched().newContext();
    context.setDefaultTimeout(15_000);
    try {
      const one = await context.newPage();
      const two = await context.newPage();
      await one.goto(`${stack.baseURL}/login?returnTo=%2Fdashboard`);
      await two.goto(`${stack.baseURL}/login?returnTo=%2Fadmin`);
      await signInAt(one, stack);
      await signInAt(two, stack);
      expect(new URL(one.url()).pathname).toBe('/dashboard');
      expect(new URL(two.url()).pathname).toBe('/admin');
      await two.locator('#admin').waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);
});
