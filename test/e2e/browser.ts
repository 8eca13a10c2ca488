/**
 * Browser-test helpers: Debian's Chromium through playwright-core, the dev provider and an example
 * app on 127.0.0.1 port 0, step screenshots.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { startDevIdp, webClient, ORGANIZATIONS } from '../../examples/dev-idp/index.js';

export type DevIdp = Awaited<ReturnType<typeof startDevIdp>>;

/** Debian's Chromium (`apt-get install -y chromium`); playwright's own downloads are not used. */
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_BROWSER = existsSync(CHROMIUM);

export const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

/** Launch headless Chromium. Host names resolve nowhere: only 127.0.0.1 is reachable. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

/** The example apps, by framework. Loaded at run time: the apps import the built package. */
export const EXAMPLES: [string, string][] = [
  ['express', '../../examples/express-app/app.js'],
  ['koa', '../../examples/koa-app/app.js'],
  ['fastify', '../../examples/fastify-app/app.js'],
];

export const PASSWORD = 'e2e-cookie-password-that-is-long-enough-0123456789';

/** A running example app and its provider. */
export interface Stack {
  idp: DevIdp;
  baseURL: string;
  close(): Promise<void>;
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * The dev provider (short access-token TTL) and the example at `modulePath` on 127.0.0.1:0: the
 * server listens first to learn its port, then the app is built with that baseURL.
 */
export async function startStack(modulePath: string, { accessTokenTTL, options }: { accessTokenTTL: number; options: Record<string, unknown> }): Promise<Stack> {
  const idp = await startDevIdp({ port: 0, accessTokenTTL });
  const server = http.createServer();
  try {
    const port = await listen(server);
    const baseURL = `http://127.0.0.1:${port}`;
    const clientId = `e2e-${port}`;
    const clientSecret = 'e2e-client-secret-0123456789';
    await idp.addClient(webClient({ clientId, clientSecret, baseURL }));
    const specifier: string = modulePath; // a plain string: loaded at run time, typed `any`
    const { createApp } = await import(specifier);
    const app = createApp({ issuer: idp.issuer, clientId, clientSecret, baseURL, cookiePassword: PASSWORD, organizations: ORGANIZATIONS, options });
    if (typeof app.routing === 'function') await app.ready(); // Fastify routes once ready
    server.on('request', typeof app === 'function' ? app : (app.callback?.() ?? app.routing));
    return {
      idp,
      baseURL,
      async close() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await idp.close();
      },
    };
  } catch (error) {
    server.close();
    await idp.close();
    throw error;
  }
}

/** Numbered step screenshots: screenshots/<framework>-<nn>-<step>.png (the previous run's are removed). */
export function screenshotter(framework: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const name of readdirSync(SCREENSHOTS)) if (name.startsWith(`${framework}-`) && name.endsWith('.png')) rmSync(path.join(SCREENSHOTS, name));
  let n = 0;
  return async (page: Page, step: string) => {
    n += 1;
    const file = path.join(SCREENSHOTS, `${framework}-${String(n).padStart(2, '0')}-${step}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
}

/**
 * The set-up every browser test file shares: without Chromium the suites are skipped with a
 * warning, or fail when REQUIRE_BROWSER=1 (CI); with it, one browser for the file, launched before
 * and closed after. `suite` is `describe` or `describe.skip`; `browser()` the running browser.
 */
export function browserSuite(): { suite: typeof describe; browser: () => Browser } {
  if (!HAS_BROWSER) {
    if (process.env.REQUIRE_BROWSER === '1') {
      test('a browser is available (REQUIRE_BROWSER=1)', () => {
        throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} was not found: apt-get install -y chromium`);
      });
    } else {
      console.warn(`browser tests skipped: ${CHROMIUM} not found`);
    }
    return { suite: describe.skip as typeof describe, browser: () => { throw new Error('no browser'); } };
  }
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 40_000);
  afterAll(async () => {
    await browser?.close();
  }, 20_000);
  return { suite: describe, browser: () => browser! };
}

/** The stack of a suite: `startStack` before its tests, closed after; `stack()` is the running one. */
export function suiteStack(modulePath: string, options: { accessTokenTTL: number; options: Record<string, unknown> }): () => Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack(modulePath, options);
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
  });
  return () => stack!;
}

/** Run `fn` in a fresh browser context (15 s default timeout), closed whatever happens. */
export async function inContext(browser: Browser, options: BrowserContextOptions, fn: (context: BrowserContext) => Promise<void>): Promise<void> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(15_000);
  try {
    await fn(context);
  } finally {
    await context.close();
  }
}

/** On the provider's login page: sign in; resolves once the browser is back on the app. */
export async function signInAtProvider(page: Page, stack: Stack, account: { email: string; password: string }, shot?: (page: Page, step: string) => Promise<string>) {
  await page.waitForURL((url) => url.origin === stack.idp.issuer && url.pathname.startsWith('/interaction/'));
  await page.locator('#email').fill(account.email);
  await page.locator('#password').fill(account.password);
  if (shot) await shot(page, 'provider-login');
  await Promise.all([page.waitForURL((url) => url.origin === stack.baseURL && url.pathname !== '/callback'), page.locator('#sign-in').click()]);
}
