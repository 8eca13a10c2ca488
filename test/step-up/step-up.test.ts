/**
 * Step-up authentication (RFC 9470, issue 18.2): `requireAuth({ acr, maxAge })` against the real
 * dev provider, whose ID tokens carry `acr` and `auth_time` and whose demo second factor raises
 * the `acr`. A browser page goes back through /login (organization kept); an API call gets 401
 * `insufficient_user_authentication`; what comes back is re-checked, so nothing weaker passes.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ACR_MFA, ACR_PWD } from '../../examples/dev-idp/index.js';
import { loginAtProvider } from '../../examples/dev-idp/http-login.js';
import { ConfigError, requireAuth } from '../../lib/index.js';
import { requireAuth as koaRequireAuth } from '../../lib/koa.js';
import { stepUpOf } from '../../lib/core/step-up.js';
import { ALICE, CAROL, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { HTML_ACCEPT, JSON_ACCEPT, atClock, beginLogin, claimsOf, nowSeconds, signedInCookies, challenge, bearerGet } from '../security/support.js';
import { STEP_UP_FRAMEWORKS } from './apps.js';
import { Jar } from '../helpers/jar.js';
import { readSession } from '../helpers/tamper.js';

/** Follow a login URL of the app through the provider (the demo second factor included) and back. */
async function follow(app: TestApp, cookies: Jar, loginUrl: string, account = ALICE): Promise<URL> {
  const start = await app.send('GET', loginUrl, cookies);
  expect(start.status).toBe(302);
  const authorizationUrl = new URL(start.headers.location);
  const { callbackUrl } = await loginAtProvider(authorizationUrl, account);
  const back = new URL(callbackUrl);
  const cb = await app.send('GET', back.pathname + back.search, cookies);
  expect(cb.status).toBe(302);
  return authorizationUrl;
}

describe.each(STEP_UP_FRAMEWORKS)('step-up on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 600 });
    app = await startApp(idp, factory, {});
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  test('the dev provider\'s ID tokens carry acr (password level) and auth_time', async () => {
    const { idToken } = await readSession(await signedInCookies(app, ALICE));
    const claims = claimsOf(idToken);
    expect(claims.acr).toBe(ACR_PWD);
    expect(Math.abs(claims.auth_time - nowSeconds())).toBeLessThan(30);
  });

  test('acr: a password session is sent back through /login with acr_values (organization kept); the second factor lets it in', async () => {
    const cookies = await signedInCookies(app, ALICE, '?organizationId=org_globex');
    expect((await app.send('GET', '/public', cookies)).body.organizationId).toBe('org_globex');

    const api = await app.send('GET', '/mfa', cookies, { headers: JSON_ACCEPT });
    expect(api.status).toBe(401);
    expect(api.body).toEqual({ error: 'insufficient_user_authentication' });
    expect(challenge(api)).toMatchObject({ error: 'insufficient_user_authentication', acr_values: ACR_MFA });
    expect(challenge(api).max_age).toBeUndefined();

    const page = await app.send('GET', '/mfa?tab=1', cookies, { headers: HTML_ACCEPT });
    expect(page.status).toBe(302);
    const loginUrl = new URL(page.headers.location, app.baseURL);
    expect(loginUrl.pathname).toBe('/login');
    expect(Object.fromEntries(loginUrl.searchParams)).toEqual({ returnTo: '/mfa?tab=1', organizationId: 'org_globex', acr_values: ACR_MFA });

    const authorizationUrl = await follow(app, cookies, loginUrl.pathname + loginUrl.search);
    expect(authorizationUrl.searchParams.get('acr_values')).toBe(ACR_MFA);
    expect(authorizationUrl.searchParams.get('organization_id')).toBe('org_globex');
    expect(claimsOf((await readSession(cookies)).idToken).acr).toBe(ACR_MFA);
    const through = await app.send('GET', '/mfa', cookies, { headers: JSON_ACCEPT });
    expect(through.status).toBe(200);
    expect(through.body).toMatchObject({ user: 'user_alice', organizationId: 'org_globex' });
  });

  test('no downgrade: a login asking for less (or junk) gives a session that the guard still refuses', async () => {
    const cookies = new Jar();
    for (const query of [`?acr_values=${ACR_PWD}`, '?acr_values=%22x%22%20y%5C', '?max_age=-1&prompt=none']) {
      const { authorizationUrl } = await beginLogin(app, cookies, query);
      const url = new URL(authorizationUrl);
      if (query.includes(ACR_PWD)) expect(url.searchParams.get('acr_values')).toBe(ACR_PWD);
      else expect(url.searchParams.get('acr_values')).toBeNull();
      expect(url.searchParams.get('max_age')).toBeNull();
      expect(url.searchParams.get('prompt')).toBeNull();
    }
    const weak = await signedInCookies(app, ALICE, `?acr_values=${ACR_PWD}`);
    expect((await app.send('GET', '/mfa', weak, { headers: JSON_ACCEPT })).status).toBe(401);
  });

  test('maxAge: a sign-in older than maxAge is sent to log in afresh (max_age, prompt=login); the new sign-in passes', async () => {
    const cookies = await signedInCookies(app, ALICE);
    expect((await app.send('GET', '/recent', cookies, { headers: JSON_ACCEPT })).status).toBe(200);
    await atClock(120_000, async () => {
      const api = await app.send('GET', '/recent', cookies, { headers: JSON_ACCEPT });
      expect(api.status).toBe(401);
      expect(challenge(api)).toMatchObject({ error: 'insufficient_user_authentication', max_age: '60' });
      expect(String(api.headers['www-authenticate'])).toContain('max_age=60');
      const page = await app.send('GET', '/recent', cookies, { headers: HTML_ACCEPT });
      expect(page.status).toBe(302);
      const loginUrl = new URL(page.headers.location, app.baseURL);
      expect(Object.fromEntries(loginUrl.searchParams)).toEqual({ returnTo: '/recent', organizationId: 'org_acme', max_age: '60', prompt: 'login' });
      const authorizationUrl = await follow(app, cookies, loginUrl.pathname + loginUrl.search);
      expect(authorizationUrl.searchParams.get('max_age')).toBe('60');
      expect(authorizationUrl.searchParams.get('prompt')).toBe('login');
      expect((await app.send('GET', '/recent', cookies, { headers: JSON_ACCEPT })).status).toBe(200);
    });
  });

  test('acr and maxAge with a permission: a user without the permission gets 403, not a step-up', async () => {
    const carol = await signedInCookies(app, CAROL);
    expect((await app.send('GET', '/admin-area', carol, { headers: JSON_ACCEPT })).status).toBe(403);
    const alice = await signedInCookies(app, ALICE);
    const api = await app.send('GET', '/admin-area', alice, { headers: JSON_ACCEPT });
    expect(api.status).toBe(401);
    expect(challenge(api)).toMatchObject({ acr_values: ACR_MFA, max_age: '300' });
  });

  test('a provider that does not perform the step-up: the callback refuses (400), the session stays as it was, no loop', async () => {
    const cookies = await signedInCookies(app, ALICE, '?organizationId=org_globex');
    const before = await readSession(cookies);
    // an acr the dev provider cannot give (it answers with its own mfa level)
    const start = await app.send('GET', '/login?returnTo=%2Fmfa&acr_values=urn%3Aexample%3Ahardware-key', cookies);
    const { callbackUrl } = await loginAtProvider(start.headers.location, ALICE);
    const back = new URL(callbackUrl);
    const cb = await app.send('GET', back.pathname + back.search, cookies, { headers: HTML_ACCEPT });
    expect(cb.status).toBe(400);
    expect(cb.text).toContain('did not confirm the stronger or more recent sign-in');
    expect(app.events.signInError.at(-1).error.reason).toBe('step_up_failed');
    expect((await readSession(cookies)).id).toBe(before.id);
    expect((await app.send('GET', '/public', cookies)).body).toEqual({ isAuthenticated: true, organizationId: 'org_globex' });
  });

  test('onDenied receives the step-up as unauthenticated with stepUp and the login URL that performs it', async () => {
    const seen: any[] = [];
    const custom = await startApp(idp, factory, {
      onDenied: ({ denial, response }: { denial: any; response: any }) => {
        seen.push(denial);
        if (typeof response.json === 'function') response.status(denial.status).json({ mine: true });
        else Object.assign(response, { status: denial.status, body: { mine: true } });
      },
    });
    try {
      const cookies = await signedInCookies(custom, ALICE);
      const res = await custom.send('GET', '/admin-area', cookies, { headers: JSON_ACCEPT });
      expect([res.status, res.body]).toEqual([401, { mine: true }]);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ reason: 'unauthenticated', status: 401, stepUp: { acrValues: [ACR_MFA], maxAge: 300 } });
      expect(new URL(seen[0].loginUrl, custom.baseURL).searchParams.get('acr_values')).toBe(ACR_MFA);
    } finally {
      await custom.close();
    }
  });

  test('signed out: the ordinary sign-in, not a step-up', async () => {
    const res = await app.send('GET', '/mfa', undefined, { headers: JSON_ACCEPT });
    expect(res.status).toBe(401);
    expect(challenge(res).error).toBeUndefined();
  });
});

describe.each(STEP_UP_FRAMEWORKS)('step-up for bearer tokens on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  let claims: Record<string, unknown>;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 600 });
    app = await startApp(idp, factory, { bearer: { audience: idp.issuer } });
    claims = claimsOf((await readSession(await signedInCookies(app, ALICE))).accessToken);
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  test('the token\'s own acr / auth_time decide; refused with the challenge even for an HTML GET', async () => {
    const t = nowSeconds();
    const { acr: _acr, auth_time: _authTime, ...base } = claims;
    const token = (extra: Record<string, unknown>) => idp.signJwt({ ...base, iat: t, exp: t + 300, ...extra }, { header: { typ: 'at+jwt' } });
    const call = async (path: string, extra: Record<string, unknown>, accept = JSON_ACCEPT) =>
      app.send('GET', path, undefined, { headers: { ...accept, Authorization: `Bearer ${await token(extra)}` } });
    expect((await call('/mfa', { acr: ACR_MFA })).status).toBe(200);
    for (const extra of [{ acr: ACR_PWD }, {}]) {
      const res = await call('/mfa', extra, HTML_ACCEPT);
      expect(res.status).toBe(401);
      expect(challenge(res)).toMatchObject({ error: 'insufficient_user_authentication', acr_values: ACR_MFA });
    }
    expect((await call('/recent', { auth_time: t - 10 })).status).toBe(200);
    expect((await call('/recent', { auth_time: t - 600 })).status).toBe(401);
    expect((await call('/recent', {})).status).toBe(401);
  });

  test('the provider\'s own access tokens carry acr and auth_time (RFC 9068 §2.2.1): a second-factor sign-in\'s token passes /mfa', async () => {
    expect(claims.acr).toBe(ACR_PWD);
    expect(typeof claims.auth_time).toBe('number');
    const send = (path: string, token: string) => bearerGet(app, token, path);
    const weak = (await readSession(await signedInCookies(app, ALICE))).accessToken;
    expect((await send('/mfa', weak)).status).toBe(401);
    expect((await send('/recent', weak)).status).toBe(200);
    const strong = (await readSession(await signedInCookies(app, ALICE, `?acr_values=${encodeURIComponent(ACR_MFA)}`))).accessToken;
    expect(claimsOf(strong).acr).toBe(ACR_MFA);
    expect((await send('/mfa', strong)).status).toBe(200);
  });
});

test('requireAuth() checks acr and maxAge when the guard is made, naming the option', () => {
  for (const make of [requireAuth, koaRequireAuth]) {
    for (const bad of [{ maxAge: -1 }, { maxAge: 1.5 }, { maxAge: '60' as any }, { acr: 'x' as any }, { acr: ['a b'] }, { acr: ['"x"'] }]) {
      expect(() => make(bad)).toThrow(ConfigError);
      expect(() => make(bad)).toThrow(/requireAuth\.(acr|maxAge)/);
    }
    expect(() => make({ acr: [ACR_MFA], maxAge: 0 })).not.toThrow();
  }
});

test('stepUpOf: a missing claim never meets a requirement; fresh only when the time is the problem', () => {
  const now = 1_000_000;
  expect(stepUpOf({}, {}, now)).toBeNull();
  expect(stepUpOf({ acr: 'a' }, { acr: ['a', 'b'] }, now)).toBeNull();
  expect(stepUpOf({ acr: 'c' }, { acr: ['a', 'b'] }, now)).toEqual({ acrValues: ['a', 'b'], fresh: false });
  expect(stepUpOf({}, { acr: ['a'] }, now)).toEqual({ acrValues: ['a'], fresh: false });
  expect(stepUpOf({ authTime: now - 60 }, { maxAge: 60 }, now)).toBeNull();
  expect(stepUpOf({ authTime: now - 61 }, { maxAge: 60 }, now)).toEqual({ maxAge: 60, fresh: true });
  expect(stepUpOf({ acr: 'a' }, { acr: ['a'], maxAge: 60 }, now)).toEqual({ acrValues: ['a'], maxAge: 60, fresh: true });
});
