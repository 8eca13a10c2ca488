import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { authMiddleware, ConfigError, type SessionKitOptions } from '../lib/index.js';
import { expressApp } from './helpers/apps.js';
import { Jar, PASSWORD, startApp, startDevIdp, type DevIdp } from './helpers/harness.js';
import { resolveConfig } from '../lib/config.js';

const GOOD: SessionKitOptions = {
  issuer: 'https://idp.example.com',
  clientId: 'client',
  clientSecret: 'secret',
  baseURL: 'https://app.example.com',
  cookie: { password: PASSWORD },
};

/** Run `fn` with exactly these SESSIONKIT_* variables set. */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.entries(process.env).filter(([k]) => k.startsWith('SESSIONKIT_'));
  for (const [k] of saved) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const k of Object.keys(vars)) delete process.env[k];
    for (const [k, v] of saved) process.env[k] = v;
  }
}

describe('bad configuration fails at construction, naming the option and its variable', () => {
  const cases: [string, SessionKitOptions, RegExp][] = [
    ['no issuer', { ...GOOD, issuer: undefined }, /`issuer` \(env SESSIONKIT_ISSUER\) is required/],
    ['http issuer off loopback', { ...GOOD, issuer: 'http://idp.example.com' }, /`issuer` \(env SESSIONKIT_ISSUER\) must be https/],
    ['issuer not a URL', { ...GOOD, issuer: 'idp.example.com' }, /`issuer` \(env SESSIONKIT_ISSUER\) must be an absolute URL/],
    ['no client id', { ...GOOD, clientId: undefined }, /`clientId` \(env SESSIONKIT_CLIENT_ID\) is required/],
    ['no base URL', { ...GOOD, baseURL: undefined }, /`baseURL` \(env SESSIONKIT_BASE_URL\) is required/],
    ['http base URL off loopback', { ...GOOD, baseURL: 'http://app.example.com' }, /`baseURL` \(env SESSIONKIT_BASE_URL\) must be https/],
    ['no cookie password', { ...GOOD, cookie: {} }, /`cookie.password` \(env SESSIONKIT_COOKIE_PASSWORD\) is required/],
    ['short password', { ...GOOD, cookie: { password: 'short' } }, /`cookie.password` \(env SESSIONKIT_COOKIE_PASSWORD\) must be at least 32 characters/],
    ['short password, with the same hint as a missing one', { ...GOOD, cookie: { password: 'short' } }, /at least 32 characters long: a random secret, e\.g\. `openssl rand -base64 32`/],
    ['short rotated password', { ...GOOD, cookie: { password: { 1: PASSWORD, 2: 'short' } } }, /`cookie.password`.*at least 32 characters long \(id 2\)/],
    ['non-numeric password id', { ...GOOD, cookie: { password: { new: PASSWORD } } }, /`cookie.password`.*ids .* must be numbers/],
    ['password id of 11 digits (seals name at most 10)', { ...GOOD, cookie: { password: { 12345678901: PASSWORD } } }, /`cookie.password`.*ids .* must be numbers of 1 to 10 digits/],
    ['bad SameSite', { ...GOOD, cookie: { password: PASSWORD, sameSite: 'sometimes' as any } }, /`cookie.sameSite` \(env SESSIONKIT_COOKIE_SAMESITE\) must be "lax", "strict" or "none"/],
    ['SameSite none without secure', { ...GOOD, baseURL: 'http://localhost:3000', cookie: { password: PASSWORD, sameSite: 'none' } }, /`cookie.sameSite`.*needs a secure cookie/],
    ['bad max age', { ...GOOD, cookie: { password: PASSWORD, maxAge: -1 } }, /`cookie.maxAge` \(env SESSIONKIT_COOKIE_MAX_AGE\) must be a number/],
    ['bad cookie name', { ...GOOD, cookie: { password: PASSWORD, name: 'a b;c' } }, /`cookie.name` \(env SESSIONKIT_COOKIE_NAME\)/],
    ['bad route', { ...GOOD, routes: { login: 'login' } }, /`routes.login` must be a path/],
    ['unknown route', { ...GOOD, routes: { signin: '/x' } as any }, /`routes.signin` is not a route/],
    ['bad refresh buffer', { ...GOOD, refresh: { buffer: -5 } }, /`refresh.buffer` must be a number/],
    ['bad http timeout', { ...GOOD, httpTimeout: 0 }, /`httpTimeout` must be a number/],
    ['hook not a function', { ...GOOD, onSignIn: 'yes' as any }, /`onSignIn` must be a function/],
    ['endpoints without token', { ...GOOD, issuer: undefined, endpoints: { authorization: 'https://idp.example.com/auth' } as any }, /`endpoints.token` is required/],
    ['scope without openid', { ...GOOD, scope: 'profile' }, /`scope`.*"openid"/],
  ];
  test.each(cases)('%s', (_name, options, message) => {
    withEnv({}, () => {
      let error: unknown;
      try {
        authMiddleware(options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('SESSIONKIT_CONFIG_INVALID');
      expect((error as Error).message).toMatch(message);
    });
  });

  test('an invalid variable is reported with its name', () => {
    withEnv({ SESSIONKIT_ISSUER: 'https://idp.example.com', SESSIONKIT_CLIENT_ID: 'c', SESSIONKIT_BASE_URL: 'https://app.example.com', SESSIONKIT_COOKIE_PASSWORD: PASSWORD, SESSIONKIT_COOKIE_SAMESITE: 'loose' }, () => {
      expect(() => authMiddleware()).toThrow(/SESSIONKIT_COOKIE_SAMESITE/);
    });
  });

  test('a good configuration constructs without touching the network', () => {
    withEnv({}, () => expect(typeof authMiddleware(GOOD)).toBe('function'));
  });
});

describe('configuration from the environment only', () => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startDevIdp();
  });
  afterAll(() => idp.close());

  test('every option can come from SESSIONKIT_* variables, and a full sign-in works', async () => {
    // the harness passes its options in code; here only the variables configure the app
    let seen: unknown;
    const app = await startApp(idp, (opts) => {
      const vars = {
        SESSIONKIT_ISSUER: opts.issuer!,
        SESSIONKIT_CLIENT_ID: opts.clientId!,
        SESSIONKIT_CLIENT_SECRET: opts.clientSecret!,
        SESSIONKIT_BASE_URL: opts.baseURL!,
        SESSIONKIT_COOKIE_PASSWORD: PASSWORD,
        SESSIONKIT_COOKIE_NAME: 'envsession',
        SESSIONKIT_COOKIE_MAX_AGE: '3600',
        SESSIONKIT_COOKIE_SAMESITE: 'strict',
      };
      return withEnv(vars, () => expressApp({ logger: opts.logger, onSignIn: (e) => void (seen = e) }));
    });
    try {
      const jar = new Jar();
      const done = await app.signIn(jar);
      expect(done.status).toBe(302);
      const cookie = ([] as string[]).concat(done.headers['set-cookie'] as any).find((c) => c.startsWith('envsession='))!;
      expect(cookie).toMatch(/Max-Age=3600/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect((await app.get('/me', jar)).body.user.email).toBe('alice@example.com');
      expect(seen).toBeDefined();
    } finally {
      await app.close();
    }
  });
});

test('a store without get/set/destroy is refused at construction', () => {
  expect(() => authMiddleware({ ...GOOD, store: { get() {} } as any })).toThrow(/`store` must implement set\(\)/);
});

describe('every problem at once', () => {
  test('an empty environment names every missing option in one error, each with its variable', () => {
    let error: any;
    try {
      resolveConfig({}, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems.map((p: ConfigError) => p.option)).toEqual(['issuer', 'clientId', 'baseURL', 'cookie.password']);
    for (const variable of ['SESSIONKIT_ISSUER', 'SESSIONKIT_CLIENT_ID', 'SESSIONKIT_BASE_URL', 'SESSIONKIT_COOKIE_PASSWORD']) expect(error.message).toContain(variable);
    expect(error.message).toMatch(/^sessionkit: 4 problems with the options:/);
    expect(error.option).toBe('issuer');
  });

  test('one problem is reported as before', () => {
    expect(() => resolveConfig({ ...GOOD, clientId: undefined }, {})).toThrow(/^sessionkit: option `clientId` \(env SESSIONKIT_CLIENT_ID\) is required$/);
  });
});

describe('a development provider on an internal http:// host', () => {
  const internal = { ...GOOD, issuer: 'http://keycloak:8080/realms/dev' };
  test('is refused by default, naming the opt-in', () => {
    expect(() => resolveConfig(internal, {})).toThrow(/`issuer`.*allowInsecureIssuer.*SESSIONKIT_ALLOW_INSECURE_ISSUER/);
  });
  test('is accepted with allowInsecureIssuer (or its variable) outside production, with a loud warning', () => {
    const warnings: string[] = [];
    const logger = { warn: (_o: object, m?: string) => void warnings.push(m ?? ''), error: () => {} };
    expect(resolveConfig({ ...internal, allowInsecureIssuer: true, logger }, { NODE_ENV: 'development' }).issuer).toBe('http://keycloak:8080/realms/dev');
    expect(warnings.some((w) => /INSECURE/.test(w))).toBe(true);
    expect(resolveConfig({ ...internal, logger }, { SESSIONKIT_ALLOW_INSECURE_ISSUER: '1' }).issuer).toBe('http://keycloak:8080/realms/dev');
  });
  test('is refused in production even with the opt-in', () => {
    expect(() => resolveConfig({ ...internal, allowInsecureIssuer: true }, { NODE_ENV: 'production' })).toThrow(/refused when NODE_ENV=production/);
  });
  test('a sign-in works end to end against a provider on a non-loopback-named address (127.0.0.2)', async () => {
    const idp = await startDevIdp({ host: '127.0.0.2' });
    try {
      const app = await startApp(idp, expressApp, { allowInsecureIssuer: true });
      try {
        const jar = new Jar();
        const done = await app.signIn(jar);
        expect(done.status).toBe(302);
        expect((await app.get('/me', jar)).status).toBe(200);
        expect(app.events.logs.some((l) => l.level === 'warn' && /INSECURE/.test(l.msg ?? ''))).toBe(true);
      } finally {
        await app.close();
      }
    } finally {
      await idp.close();
    }
  });
});
