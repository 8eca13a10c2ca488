/**
 * Test harness: the real dev provider, an app under test on 127.0.0.1:0 (Express or Koa), a
 * cookie jar per browser, and the hook and log events the app saw.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll } from '@jest/globals';
import { startDevIdp, webClient } from '../../examples/dev-idp/index.js';
import { loginAtProvider } from '../../examples/dev-idp/http-login.js';
import type { SessionKitOptions } from '../../lib/index.js';
import { Jar, setCookies } from './jar.js';
import { expressApp } from './apps.js';

export type DevIdp = Awaited<ReturnType<typeof startDevIdp>>;
export { startDevIdp, Jar, setCookies };

/** The cookie password of test apps. */
export const PASSWORD = 'a-test-cookie-password-that-is-long-enough-0123';

/** The client secret `startApp` registers for `clientId`. */
export function clientSecretOf(clientId: string): string {
  return `secret-${clientId}-0123456789abcdef`;
}

/** The Basic authorization header of `app`'s client (for calls straight to the provider). */
export function clientBasic(app: { clientId: string }): string {
  return `Basic ${Buffer.from(`${app.clientId}:${clientSecretOf(app.clientId)}`).toString('base64')}`;
}

/** Demo accounts of the dev provider. */
export const ALICE = { email: 'alice@example.com', password: 'alice-password' };
export const BOB = { email: 'bob@example.com', password: 'bob-password' };
export const CAROL = { email: 'carol@example.com', password: 'carol-password' };

/** A web framework under test: builds a request listener from sessionkit options. */
export type AppFactory = (options: SessionKitOptions<any>) => http.RequestListener;

/** Everything a test app recorded. */
export interface Recorded {
  signIn: any[];
  signInError: any[];
  signOut: any[];
  refreshSuccess: any[];
  refreshError: any[];
  logs: { level: string; obj: object; msg?: string }[];
}

/** A running app under test. */
export interface TestApp {
  baseURL: string;
  clientId: string;
  events: Recorded;
  /** Send a request with `jar`'s cookies; Set-Cookie goes back into the jar. */
  send(method: string, path: string, jar?: Jar, options?: { headers?: Record<string, string>; body?: string | object; form?: Record<string, string> }): Promise<request.Response>;
  get(path: string, jar?: Jar, headers?: Record<string, string>): Promise<request.Response>;
  /** Sign in through the provider's pages; returns the callback's response. */
  signIn(jar: Jar, account?: { email: string; password: string }, query?: string): Promise<request.Response>;
  close(): Promise<void>;
}

let counter = 0;

/** Start an app under test against `idp`, with `options` over the defaults. */
export async function startApp(
  idp: DevIdp,
  factory: AppFactory = expressApp,
  options: Partial<SessionKitOptions<any>> = {},
  client: Record<string, unknown> = {},
): Promise<TestApp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseURL = `http://127.0.0.1:${port}`;
  const clientId = `test-client-${port}-${++counter}`;
  const clientSecret = clientSecretOf(clientId);
  await idp.addClient(webClient({ clientId, clientSecret, baseURL, ...client }));
  const events: Recorded = { signIn: [], signInError: [], signOut: [], refreshSuccess: [], refreshError: [], logs: [] };
  const log = (level: string) => (obj: object, msg?: string) => void events.logs.push({ level, obj, msg });
  const app = factory({
    issuer: idp.issuer,
    clientId,
    clientSecret,
    baseURL,
    cookie: { password: PASSWORD },
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    debug: true,
    onSignIn: (e) => void events.signIn.push(e),
    onSignInError: (e) => void events.signInError.push(e),
    onSignOut: (e) => void events.signOut.push(e),
    onRefreshSuccess: (e) => void events.refreshSuccess.push(e),
    onRefreshError: (e) => void events.refreshError.push(e),
    ...options,
  });
  server.on('request', app);

  const send: TestApp['send'] = async (method, path, jar, opts = {}) => {
    let req = request(baseURL)[method.toLowerCase() as 'get'](path).redirects(0);
    if (jar && jar.size) req = req.set('Cookie', jar.header());
    for (const [k, v] of Object.entries(opts.headers ?? {})) req = req.set(k, v);
    if (opts.form) req = req.type('form').send(opts.form);
    else if (opts.body !== undefined) req = req.send(opts.body as object);
    const res = await req;
    jar?.take(setCookies(res));
    return res;
  };
  const get: TestApp['get'] = (path, jar, headers) => send('GET', path, jar, { headers });
  const signIn: TestApp['signIn'] = async (jar, account = ALICE, query = '') => {
    const start = await get(`/login${query}`, jar);
    if (start.status !== 302) throw new Error(`login answered ${start.status}`);
    const { callbackUrl } = await loginAtProvider(start.headers.location, account);
    const back = new URL(callbackUrl);
    return get(back.pathname + back.search, jar);
  };
  return {
    baseURL,
    clientId,
    events,
    send,
    get,
    signIn,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every log line the app wrote, as one string (to check that no token leaked into it). */
export function logText(app: TestApp): string {
  return JSON.stringify(app.events.logs);
}

/**
 * Start an app on `idp`, sign `account` in with a fresh jar and run `fn`; whatever happens the
 * provider's fault is cleared and the app closed.
 */
export async function withSignedInApp(
  idp: DevIdp,
  factory: AppFactory,
  options: Partial<SessionKitOptions<any>>,
  fn: (app: TestApp, jar: Jar) => Promise<void>,
  account = ALICE,
): Promise<void> {
  const app = await startApp(idp, factory, options);
  try {
    const jar = new Jar();
    await app.signIn(jar, account);
    await fn(app, jar);
  } finally {
    idp.setFault(null);
    await app.close();
  }
}

/** A dev provider for a describe block: started before its tests, fault cleared and closed after; `idp()` is the running one. */
export function suiteIdp(options: Parameters<typeof startDevIdp>[0]): () => DevIdp {
  let idp: DevIdp | undefined;
  beforeAll(async () => {
    idp = await startDevIdp(options);
  });
  afterAll(async () => {
    idp?.setFault(null);
    await idp?.close();
  });
  return () => idp!;
}

/**
 * A dev provider (`accessTokenTTL: 300` unless told) and apps on it for a describe block, started
 * before its tests and closed after: `s.idp` and `s[name]` once running.
 */
export function suiteApps<K extends string>(
  factory: AppFactory,
  apps: Record<K, Partial<SessionKitOptions<any>>>,
  idpOptions: Parameters<typeof startDevIdp>[0] = { accessTokenTTL: 300 },
): { idp: DevIdp } & Record<K, TestApp> {
  const s = {} as { idp: DevIdp } & Record<K, TestApp>;
  const names = Object.keys(apps) as K[];
  beforeAll(async () => {
    s.idp = await startDevIdp(idpOptions);
    for (const name of names) (s as Record<K, TestApp>)[name] = await startApp(s.idp, factory, apps[name]);
  });
  afterAll(async () => {
    for (const name of names) await (s as Partial<Record<K, TestApp>>)[name]?.close();
    await s.idp?.close();
  });
  return s;
}
