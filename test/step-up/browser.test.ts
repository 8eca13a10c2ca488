/**
 * Step-up in a real headless Chromium (issue 18.2): a password session opens a page that needs
 * the second factor, goes through the provider's demo second-factor page, and lands back on the
 * page, still in its organization.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { DEMO_SECOND_FACTOR_CODE } from '../../examples/dev-idp/index.js';
import { browserSuite, inContext } from '../e2e/browser.js';
import { startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { STEP_UP_FRAMEWORKS } from './apps.js';

const { suite, browser: launched } = browserSuite();

suite.each(STEP_UP_FRAMEWORKS)('step-up in Chromium on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300 });
    app = await startApp(idp, factory, {});
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  test('password sign-in into Globex, then /mfa asks for the second factor and comes back', async () => {
    await inContext(launched(), {}, async (context) => {
      const page = await context.newPage();
      await page.goto(`${app.baseURL}/login?organizationId=org_globex&returnTo=%2Fpublic`);
      await page.locator('#email').fill('alice@example.com');
      await page.locator('#password').fill('alice-password');
      await Promise.all([page.waitForURL((url) => url.origin === app.baseURL && url.pathname === '/public'), page.locator('#sign-in').click()]);
      expect(JSON.parse((await page.locator('body').textContent()) ?? '')).toEqual({ isAuthenticated: true, organizationId: 'org_globex' });

      // the step-up: the provider still has Alice's session, and asks only for the second factor
      await page.goto(`${app.baseURL}/mfa`);
      await page.waitForURL((url) => url.origin === idp.issuer);
      expect(await page.locator('#password').count()).toBe(0);
      await page.locator('#code').fill(DEMO_SECOND_FACTOR_CODE);
      await Promise.all([page.waitForURL((url) => url.origin === app.baseURL && url.pathname === '/mfa'), page.locator('#verify').click()]);
      const body = JSON.parse((await page.locator('body').textContent()) ?? '');
      expect(body).toEqual({ user: 'user_alice', organizationId: 'org_globex' });
    });
  }, 60_000);
});
