/**
 * `sessionkit/testing`: sign users in inside your own test suites, against a real OpenID provider
 * in-process (the development provider that sessionkit's own tests use, on oidc-provider: an
 * optional peer dependency). Nothing is mocked and nothing is added to the middleware: `signIn()`
 * walks the real sign-in (your app's `/login`, the provider's login page, your app's `/callback`).
 *
 * `signIn()` returns a supertest agent (supertest is an optional peer dependency too);
 * `signInCookie()` needs nothing but `fetch`. Never import this module from production code: it
 * is not reachable from `sessionkit`, `sessionkit/koa` or `sessionkit/redis`.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { RequestListener, Server } from 'node:http';
import type TestAgent from 'supertest/lib/agent.js';
import { resolveConfig } from './config.js';
import { SessionCookies, type CookiePayload } from './core/session-cookie.js';

export { TestKitError, type SignInOptions, type TestableApp, type TestMembership, type TestProvider, type TestProviderOptions, type TestSessionOptions, type TestUser } from './testing/types.js';
import { TestKitError, type SignInOptions, type TestProvider, type TestProviderOptions, type TestSessionOptions, type TestUser } from './testing/types.js';

type DevIdpModule = typeof import('./testing/dev-idp/index.js');
type HttpLoginModule = typeof import('./testing/dev-idp/http-login.js');

/** Load an optional peer, or say which package to install. */
async function optional<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: string })?.code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
      throw new TestKitError(`needs the optional peer dependency "${name}": npm install --save-dev ${name}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Start a real OpenID provider on 127.0.0.1 (an ephemeral port) that knows `users`, for your
 * tests. Close it at the end (`await provider.close()`).
 *
 * @throws {TestKitError} when oidc-provider is not installed, or a user is invalid.
 */
export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const users = checkUsers(options?.users);
  const devIdp: DevIdpModule = await optional(() => import('./testing/dev-idp/index.js'), 'oidc-provider');
  const { loginAtProvider }: HttpLoginModule = await import('./testing/dev-idp/http-login.js');
  const organizations = [...new Set(users.flatMap((u) => Object.keys(u.organizations ?? {})))].map((id) => ({ id, name: id }));
  const accounts = users.map((u) => {
    const name = u.name ?? u.email;
    const [given, ...family] = name.split(' ');
    return {
      id: u.id,
      email: u.email,
      password: u.password ?? randomBytes(12).toString('base64url'),
      name,
      given_name: given,
      family_name: family.join(' '),
      email_verified: true,
      memberships: Object.entries(u.organizations ?? {}).map(([organizationId, m]) => ({
        organizationId,
        role: m.role ?? 'member',
        permissions: [...(m.permissions ?? [])],
        featureFlags: [...(m.featureFlags ?? [])],
      })),
    };
  });
  const idp = await devIdp.startDevIdp({
    users: accounts,
    organizations,
    accessTokenTTL: options.accessTokenTTL ?? 300,
    refreshTokenTTL: options.refreshTokenTTL,
    logger: options.logger,
  });
  const clientId = 'sessionkit-test';
  const clientSecret = randomBytes(24).toString('base64url');
  const password = randomBytes(32).toString('base64url');
  const bases = new Set<string>();
  let registered: Promise<void> = Promise.resolve();
  /** Agents that signIn() returned, with the options of their app (to age their sessions). */
  const agents = new Set<{ agent: TestAgent; cookies: SessionCookies }>();

  const optionsFor = (baseURL: string): TestSessionOptions => {
    const base = new URL(baseURL);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TestKitError(`options(baseURL): an http:// URL is expected, got ${JSON.stringify(baseURL)}`);
    const root = base.href.replace(/\/$/, '');
    if (!bases.has(root)) {
      bases.add(root);
      const all = [...bases];
      // one client for every app of this provider; its redirect URIs grow with each baseURL
      registered = registered.then(() =>
        idp.addClient({
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: all.map((b) => `${b}/callback`),
          post_logout_redirect_uris: all.map((b) => `${b}/`),
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
      );
    }
    return { issuer: idp.issuer, clientId, clientSecret, baseURL: root, cookie: { password } };
  };

  const account = (id: string) => {
    const found = accounts.find((a) => a.id === id);
    if (!found) throw new TestKitError(`no user ${JSON.stringify(id)} (users: ${accounts.map((a) => a.id).join(', ')})`);
    return found;
  };

  const loginQuery = (signIn: SignInOptions) => (signIn.organizationId ? `?${new URLSearchParams({ organizationId: signIn.organizationId })}` : '');

  /** Through the provider's pages: the callback URL (path and query) to hand back to the app. */
  const atProvider = async (location: string | undefined, user: string): Promise<URL> => {
    if (!location) throw new TestKitError('the login route did not redirect to the provider (is the app using provider.options(baseURL)?)');
    const who = account(user);
    const { callbackUrl } = await loginAtProvider(location, { email: who.email, password: who.password }).catch((error: unknown) => {
      throw new TestKitError(`the provider refused the sign-in of ${user}: ${(error as Error).message}`, { cause: error });
    });
    const back = new URL(callbackUrl);
    const error = back.searchParams.get('error');
    if (error) throw new TestKitError(`the provider answered ${error} for ${user}${back.searchParams.get('error_description') ? `: ${back.searchParams.get('error_description')}` : ''}`);
    return back;
  };

  const lastBase = () => [...bases].at(-1) ?? 'http://127.0.0.1';

  return {
    issuer: idp.issuer,
    options: optionsFor,

    async signIn(app, signIn) {
      account(signIn.user);
      await registered;
      const { default: supertest } = await optional(() => import('supertest'), 'supertest');
      const listener = typeof app === 'object' && app !== null && 'callback' in app && typeof app.callback === 'function' ? app.callback() : (app as RequestListener | Server);
      const agent = supertest.agent(listener);
      const loginPath = signIn.loginPath ?? `${new URL(lastBase()).pathname.replace(/\/$/, '')}/login`;
      const start = await agent.get(`${loginPath}${loginQuery(signIn)}`).redirects(0);
      if (start.status !== 302) throw new TestKitError(`GET ${loginPath} answered ${start.status}, not a redirect to the provider`);
      const back = await atProvider(start.headers.location, signIn.user);
      const done = await agent.get(back.pathname + back.search).redirects(0);
      if (done.status !== 302) throw new TestKitError(`the app's callback answered ${done.status}: ${String(done.text).slice(0, 200)}`);
      agents.add({ agent, cookies: new SessionCookies(resolveConfig(optionsFor(lastBase()), {})) });
      return agent;
    },

    async signInCookie(baseURL, signIn) {
      account(signIn.user);
      const root = optionsFor(baseURL).baseURL;
      await registered;
      const loginPath = signIn.loginPath ?? `${new URL(root).pathname.replace(/\/$/, '')}/login`;
      const start = await fetch(new URL(`${loginPath}${loginQuery(signIn)}`, root), { redirect: 'manual' });
      await start.body?.cancel();
      if (start.status !== 302) throw new TestKitError(`GET ${loginPath} answered ${start.status}, not a redirect to the provider`);
      const back = await atProvider(start.headers.get('location') ?? undefined, signIn.user);
      const transaction = pairs(start.headers.getSetCookie());
      const done = await fetch(new URL(back.pathname + back.search, root), { redirect: 'manual', headers: { cookie: transaction.join('; ') } });
      await done.body?.cancel();
      if (done.status !== 302) throw new TestKitError(`the app's callback answered ${done.status}`);
      const session = pairs(done.headers.getSetCookie());
      if (!session.length) throw new TestKitError('the callback set no session cookie');
      return session.join('; ');
    },

    async expireAccessTokens() {
      for (const { agent, cookies } of agents) await age(agent, cookies);
    },

    async revokeGrants(user) {
      account(user);
      await idp.revokeGrants(user);
    },

    async close() {
      agents.clear();
      await idp.close();
    },
  };
}

/** The `name=value` pairs that Set-Cookie lines set (cleared cookies left out). */
function pairs(lines: string[]): string[] {
  return lines
    .map((line) => line.split(';')[0].trim())
    .filter((pair) => pair.includes('=') && pair.slice(pair.indexOf('=') + 1) !== '');
}

/** The agent's session, re-sealed with an access-token expiry in the past (cookie sessions only). */
async function age(agent: TestAgent, cookies: SessionCookies): Promise<void> {
  const jar = (agent as unknown as { jar: { getCookies(access: object): { toValueString(): string }; setCookies(lines: string[], domain: string, path: string): void } }).jar;
  const header = jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
  const incoming = cookies.read(header);
  if (incoming.value === null) return;
  const payload: CookiePayload | null = await cookies.unseal(incoming.value);
  if (!payload || 'ref' in payload) return;
  const { headers } = await cookies.write({ ...payload, expiresAt: Math.floor(Date.now() / 1000) - 1 }, incoming.names, payload.createdAt);
  jar.setCookies(headers, '127.0.0.1', '/');
}

/** Validate `users` once, naming the problem. */
function checkUsers(users: unknown): TestUser[] {
  if (!Array.isArray(users) || !users.length) throw new TestKitError('startTestProvider({ users }): at least one user is needed');
  for (const u of users as TestUser[]) {
    if (!u || typeof u.id !== 'string' || !u.id || typeof u.email !== 'string' || !u.email.includes('@')) {
      throw new TestKitError(`startTestProvider({ users }): every user needs an id and an email, got ${JSON.stringify(u)}`);
    }
  }
  return users as TestUser[];
}
