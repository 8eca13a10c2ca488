/**
 * Open redirects and header injection through `returnTo`, on Express and Koa, against the real
 * dev provider: on /login (carried through the provider to the callback's redirect) and on
 * /switch-org. Every redirect must stay on the app's origin and inject nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { HTML_ACCEPT, atProvider, beginLogin, expectOutcome, signedInCookies } from './support.js';
import { Jar, parsedSetCookies } from '../helpers/jar.js';

/** [returnTo as the attacker writes it, the Location the app must answer with] */
const attempts: [string, string][] = [
  ['https://evil.example/x', '/'],
  ['http:evil.example', '/'],
  ['//evil.example/x', '/'],
  ['///evil.example', '/'],
  ['/\\evil.example', '/'],
  ['\\\\evil.example', '/'],
  ['/\\/evil.example', '/'],
  ['javascript:alert(1)', '/'],
  ['JaVaScRiPt:alert(1)', '/'],
  ['data:text/html,<script>alert(1)</script>', '/'],
  ['evil.example', '/'],
  ['%2F%2Fevil.example', '/'],
  ['/%2F%2Fevil.example', '/'],
  ['/%5Cevil.example', '/'],
  ['/%5C%5Cevil.example', '/'],
  ['/%09/evil.example', '/'],
  ['/%252F%252Fevil.example', '/%252F%252Fevil.example'],
  ['/%2e/%2fevil.example', '/%2fevil.example'],
  ['/@evil.example', '/@evil.example'],
  ['//user@evil.example', '/'],
  ['//evil.example%2F@127.0.0.1', '/'],
  ['/x%0d%0aSet-Cookie:%20a=b', '/'],
  ['/x\r\nSet-Cookie: a=b', '/'],
  ['/x\r\nLocation: //evil.example', '/'],
  ['/x%E5%98%8A%E5%98%8DSet-Cookie:%20a=b', '/x%E5%98%8A%E5%98%8DSet-Cookie:%20a=b'],
  [`/${'a'.repeat(2100)}`, '/'],
];

/** Dot segments that normalize to `//host`: refused, or at least kept on this origin. */
const dotSegments: [string, string][] = [
  ['/.//evil.example', '/'],
  ['/..//evil.example', '/'],
  ['/a/..//evil.example/x', '/'],
  ['/%2e%2e//evil.example', '/'],
];

/** The redirect stays on `base` and nothing was injected into the response's headers. */
function expectSameOriginRedirect(res: { headers: Record<string, any> }, base: string, expected: string) {
  const location = res.headers.location as string;
  expect(typeof location).toBe('string');
  expect(location).not.toMatch(/[\r\n]/);
  expect(location.startsWith('/')).toBe(true);
  expect(location.startsWith('//')).toBe(false);
  expect(location.startsWith('/\\')).toBe(false);
  expect(new URL(location, base).origin).toBe(base);
  expect(parsedSetCookies(res).map((c) => c.name)).not.toContain('a');
  expect(Object.keys(res.headers).filter((h) => /^(a|x)$/i.test(h))).toEqual([]);
  expect(location).toBe(expected);
}

describe.each(FRAMEWORKS)('returnTo on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  let alice: Jar;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300 });
    app = await startApp(idp, factory);
    alice = await signedInCookies(app, ALICE);
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  /** Sign in with `?returnTo=`; the callback's redirect. */
  async function viaLogin(returnTo: string) {
    const cookies = new Jar();
    const { authorizationUrl } = await beginLogin(app, cookies, `?returnTo=${encodeURIComponent(returnTo)}`);
    const cb = await atProvider(authorizationUrl, ALICE);
    const res = await app.send('GET', cb.pathname + cb.search, cookies);
    await expectOutcome(app, res, cookies, { status: 302, cleared: false, session: true });
    return res;
  }

  /** POST /switch-org from the app's own page with `returnTo`; the 303. */
  async function viaSwitch(returnTo: string) {
    const cookies = alice; // the live session: each switch rotates its refresh token
    const res = await app.send('POST', '/switch-org', cookies, {
      headers: { ...HTML_ACCEPT, 'Sec-Fetch-Site': 'same-origin', Origin: app.baseURL },
      form: { organizationId: 'org_globex', returnTo },
    });
    await expectOutcome(app, res, cookies, { status: 303, cleared: false, session: true });
    return res;
  }

  describe('on /login → /callback', () => {
    test.each(attempts)('returnTo=%j → %s', async (returnTo, expected) => {
      expectSameOriginRedirect(await viaLogin(returnTo), app.baseURL, expected);
    });
    for (const [returnTo, expected] of dotSegments) {
      test(`returnTo=${JSON.stringify(returnTo)} → ${expected}`, async () => {
        const res = await viaLogin(returnTo);
        expectSameOriginRedirect(res, app.baseURL, expected);
      });
    }
  });

  describe('on POST /switch-org', () => {
    test.each(attempts)('returnTo=%j → %s', async (returnTo, expected) => {
      expectSameOriginRedirect(await viaSwitch(returnTo), app.baseURL, expected);
    });
    for (const [returnTo, expected] of dotSegments) {
      test(`returnTo=${JSON.stringify(returnTo)} → ${expected}`, async () => {
        expectSameOriginRedirect(await viaSwitch(returnTo), app.baseURL, expected);
      });
    }

    test('a refused switch sends back to returnTo with the error, never to another origin', async () => {
      const cookies = alice.clone();
      const res = await app.send('POST', '/switch-org', cookies, {
        headers: { ...HTML_ACCEPT, 'Sec-Fetch-Site': 'same-origin' },
        form: { organizationId: 'org_nobody_has', returnTo: '/.//evil.example' },
      });
      await expectOutcome(app, res, cookies, { status: 303, cleared: false, session: true });
      expectSameOriginRedirect(res, app.baseURL, '/?error=organization_switch_refused&organizationId=org_nobody_has');
    });
  });

  test('logout ignores any return URL in the query: it goes where the configuration says', async () => {
    const cookies = await signedInCookies(app, ALICE);
    const res = await app.send('GET', '/logout?returnTo=https%3A%2F%2Fevil.example&post_logout_redirect_uri=https%3A%2F%2Fevil.example', cookies);
    await expectOutcome(app, res, cookies, { status: 302, cleared: true, session: false });
    const location = new URL(res.headers.location);
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${app.baseURL}/`);
    expect(res.headers.location).not.toMatch(/evil/);
  });
});
