/**
 * Headers a client controls, on Express and Koa, against the real dev provider: nothing the
 * client sends changes the origin the library trusts (redirect_uri, redirects, the origin that
 * same-origin checks compare with), and `Authorization` is ignored unless `bearer` is on.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, BOB, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { HTML_ACCEPT, JSON_ACCEPT, atProvider, beginLogin, expectOutcome, signedInCookies } from './support.js';
import { Jar, setCookies } from '../helpers/jar.js';
import { readSession } from '../helpers/tamper.js';

interface Ctx {
  idp: DevIdp;
  app: TestApp;
  alice: Jar;
  bob: Jar;
  aliceToken: string;
}

const SPOOFS: [string, Record<string, string>][] = [
  ['X-Forwarded-Host', { 'X-Forwarded-Host': 'evil.example' }],
  ['X-Forwarded-Proto: https', { 'X-Forwarded-Proto': 'https' }],
  ['X-Forwarded-Host, -Proto and -Port together', { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Port': '443' }],
  ['Host', { Host: 'evil.example' }],
  ['Forwarded: host=…;proto=…', { Forwarded: 'for=1.2.3.4;host=evil.example;proto=https' }],
  ['X-Original-Host and X-Host', { 'X-Original-Host': 'evil.example', 'X-Host': 'evil.example' }],
];

describe.each(FRAMEWORKS)('client-controlled headers on %s', (_name, factory) => {
  const c = {} as Ctx;
  beforeAll(async () => {
    c.idp = await startDevIdp({ accessTokenTTL: 300 });
    c.app = await startApp(c.idp, factory);
    c.alice = await signedInCookies(c.app, ALICE);
    c.bob = await signedInCookies(c.app, BOB);
    c.aliceToken = (await readSession(c.alice)).accessToken;
  });
  afterAll(async () => {
    await c.app?.close();
    await c.idp?.close();
  });

  test('a client-sent Authorization with a genuine access token, bearer off → ignored, 401', async () => {
    const cookies = new Jar();
    const res = await c.app.send('GET', '/me', cookies, { headers: { ...JSON_ACCEPT, Authorization: `Bearer ${c.aliceToken}` } });
    await expectOutcome(c.app, res, cookies, { status: 401, cleared: false, session: false });
  });

  test('a client-sent Authorization never overrides the session (bearer off): Bob stays Bob', async () => {
    const cookies = c.bob.clone();
    const res = await c.app.send('GET', '/me', cookies, { headers: { ...JSON_ACCEPT, Authorization: `Bearer ${c.aliceToken}` } });
    await expectOutcome(c.app, res, cookies, { status: 200, cleared: false, session: true });
    expect(res.body.user.email).toBe(BOB.email);
  });

  describe.each(SPOOFS)('spoofed %s', (_what, spoof) => {
    test('/login: redirect_uri is the configured baseURL', async () => {
      const cookies = new Jar();
      const res = await c.app.send('GET', '/login?returnTo=/me', cookies, { headers: spoof });
      await expectOutcome(c.app, res, cookies, { status: 302, cleared: false, session: false });
      const url = new URL(res.headers.location);
      expect(url.origin).toBe(c.idp.issuer);
      expect(url.searchParams.get('redirect_uri')).toBe(`${c.app.baseURL}/callback`);
      expect(setCookies(res).join('\n')).not.toMatch(/Domain=|evil/i);
    });

    test('/callback: the code is exchanged for the configured redirect_uri, the redirect is a path', async () => {
      const cookies = new Jar();
      const { authorizationUrl } = await beginLogin(c.app, cookies, '?returnTo=/me');
      const cb = await atProvider(authorizationUrl, ALICE);
      const res = await c.app.send('GET', cb.pathname + cb.search, cookies, { headers: spoof });
      await expectOutcome(c.app, res, cookies, { status: 302, cleared: false, session: true });
      expect(res.headers.location).toBe('/me');
    });

    test('requireAuth: the login redirect is a path on this origin', async () => {
      const cookies = new Jar();
      const res = await c.app.send('GET', '/page?tab=1', cookies, { headers: { ...HTML_ACCEPT, ...spoof } });
      await expectOutcome(c.app, res, cookies, { status: 302, cleared: false, session: false });
      expect(res.headers.location).toBe('/login?returnTo=%2Fpage%3Ftab%3D1');
    });

    test('POST /logout whose Origin matches the spoofed host is still cross-site → 403', async () => {
      const cookies = c.alice.clone();
      const host = spoof['X-Forwarded-Host'] ?? spoof.Host ?? 'evil.example';
      const proto = spoof['X-Forwarded-Proto'] ?? 'http';
      const res = await c.app.send('POST', '/logout', cookies, { headers: { ...spoof, Origin: `${proto}://${host}` } });
      await expectOutcome(c.app, res, cookies, { status: 403, cleared: false, session: true });
    });

    test('POST /switch-org whose Origin matches the spoofed host is still cross-site → 403', async () => {
      const cookies = c.alice.clone();
      const host = spoof['X-Forwarded-Host'] ?? spoof.Host ?? 'evil.example';
      const proto = spoof['X-Forwarded-Proto'] ?? 'http';
      const res = await c.app.send('POST', '/switch-org', cookies, { headers: { ...JSON_ACCEPT, ...spoof, Origin: `${proto}://${host}` }, body: { organizationId: 'org_globex' } });
      await expectOutcome(c.app, res, cookies, { status: 403, cleared: false, session: true });
      expect((await c.app.send('GET', '/me', cookies.clone())).body.organizationId).toBe('org_acme');
    });

    test('logout: post_logout_redirect_uri is the configured one', async () => {
      const cookies = await signedInCookies(c.app, ALICE);
      const res = await c.app.send('POST', '/logout', cookies, { headers: { ...spoof, 'Sec-Fetch-Site': 'same-origin' } });
      await expectOutcome(c.app, res, cookies, { status: 303, cleared: true, session: false });
      const url = new URL(res.headers.location);
      expect(url.origin).toBe(c.idp.issuer);
      expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${c.app.baseURL}/`);
    });
  });

  test('X-Original-URL / X-Rewrite-URL: /logout → a request for /public ends nothing', async () => {
    const cookies = c.alice.clone();
    const res = await c.app.send('GET', '/public', cookies, { headers: { 'X-Original-URL': '/logout', 'X-Rewrite-URL': '/logout' } });
    await expectOutcome(c.app, res, cookies, { status: 200, cleared: false, session: true });
    expect(res.body.isAuthenticated).toBe(true);
  });
});
