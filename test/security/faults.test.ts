/**
 * The provider failing, on Express and Koa: every kind of outage at every step that talks to
 * it — discovery (login, also with the provider down at start-up), the code exchange (callback),
 * revocation (logout), the refresh grant (proactive refresh, /access-token, switch-org) and the
 * JWKS. For each: the request is answered (bounded by httpTimeout), never 5xx except login's
 * documented 503 JSON, nobody is logged out by an outage, `onRefreshError` says `isTransient`
 * correctly, and everything works again once the provider is back.
 *
 * test/scenarios/refresh.test.ts already covers the proactive refresh under 503, 500, 429,
 * malformed JSON, connection refused and a hang; the refresh table here covers the other
 * answers (and the classification edges), not those again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, startApp, startDevIdp, type AppFactory, type DevIdp, type TestApp, clientSecretOf, clientBasic } from '../helpers/harness.js';
import { JSON_ACCEPT, atProvider, beginLogin, expectOutcome, shareClient, signedInCookies } from './support.js';
import { Jar, writtenSessionCookies } from '../helpers/jar.js';
import { readSession } from '../helpers/tamper.js';

const TTL = 300;
const QUICK = 300; // httpTimeout of the apps under test, ms
const BOUND = 3000; // every request during an outage is answered well within this, ms

type Fault = { name: string; break: (idp: DevIdp, paths: string[]) => Promise<void> | void; mend: (idp: DevIdp) => Promise<void> | void };

const set = (fault: Parameters<DevIdp['setFault']>[0]) => (idp: DevIdp, paths: string[]) => idp.setFault(fault, paths);
const clear = (idp: DevIdp) => idp.setFault(null);

/** The outages every step is put through. */
const OUTAGES: Fault[] = [
  { name: '503', break: set({ status: 503 }), mend: clear },
  { name: '500 server_error', break: set({ status: 500, body: '{"error":"server_error"}', contentType: 'application/json' }), mend: clear },
  { name: '502 HTML page', break: set({ status: 502, body: '<html><h1>Bad gateway</h1></html>', contentType: 'text/html' }), mend: clear },
  { name: '429 slow_down', break: set({ status: 429, body: '{"error":"slow_down"}', contentType: 'application/json' }), mend: clear },
  { name: 'connection refused', break: (idp) => idp.stop(), mend: (idp) => idp.start() },
  { name: `hung (bounded by httpTimeout ${QUICK} ms)`, break: set({ hang: true }), mend: clear },
  { name: 'malformed JSON', break: set({ malformedJson: true }), mend: clear },
  { name: '200 with an HTML maintenance page', break: set({ status: 200, body: '<html>Back soon</html>', contentType: 'text/html' }), mend: clear },
];

/**
 * Outages of the token endpoint during a refresh grant: a `200` that is JSON but not a token
 * response came from the provider, which may have spent the refresh token, so it is terminal
 * (test/scenarios/refresh-policy.test.ts); an HTML `200` is a maintenance page in front of it.
 */
const TOKEN_OUTAGES = OUTAGES.filter((f) => f.name !== 'malformed JSON');

/** Refresh answers not covered by test/scenarios/refresh.test.ts, and how each must be classified. */
const REFRESH_ANSWERS: [string, Parameters<DevIdp['setFault']>[0], boolean][] = [
  ['502 HTML page', { status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' }, true],
  ['504 with an empty body', { status: 504, body: '', contentType: 'text/plain' }, true],
  ['408 text/plain', { status: 408, body: 'Request Timeout', contentType: 'text/plain' }, true],
  ['429 with an OAuth error the library does not know', { status: 429, body: '{"error":"rate_limited"}', contentType: 'application/json' }, true],
  ['503 whose body says invalid_grant (the status wins)', { status: 503, body: '{"error":"invalid_grant"}', contentType: 'application/json' }, true],
  ['400 temporarily_unavailable', { status: 400, body: '{"error":"temporarily_unavailable"}', contentType: 'application/json' }, true],
  ['200 with an HTML maintenance page', { status: 200, body: '<html>Back soon</html>', contentType: 'text/html' }, true],
];

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const out = await fn();
  return [out, Date.now() - started];
}

describe.each(FRAMEWORKS)('provider faults on %s', (_name, factory: AppFactory) => {
  let idp: DevIdp;
  let app: TestApp; // tokens fresh after sign-in
  let due: TestApp; // every request inside the refresh window
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: TTL });
    app = await startApp(idp, factory, { httpTimeout: QUICK });
    due = await startApp(idp, factory, { httpTimeout: QUICK, refresh: { buffer: TTL + 600 } });
  });
  afterEach(async () => {
    idp.setFault(null);
    await idp.start();
  });
  afterAll(async () => {
    await app?.close();
    await due?.close();
    await idp?.close();
  });

  describe('login while the provider has never been discovered (down at start-up)', () => {
    test.each(OUTAGES.map((f) => [f.name, f] as const))('%s: /login answers 503 JSON at once; sign-in works once it is back', async (_n, fault) => {
      await fault.break(idp, ['/.well-known/openid-configuration']);
      let fresh: TestApp | undefined;
      try {
        fresh = await startApp(idp, factory, { httpTimeout: QUICK }); // built while the provider is down
        expect((await fresh.send('GET', '/public', new Jar())).status).toBe(200);
        const cookies = new Jar();
        const [res, ms] = await timed(() => fresh!.send('GET', '/login?returnTo=/me', cookies));
        await fault.mend(idp);
        expect(ms).toBeLessThan(BOUND);
        await expectOutcome(fresh, res, cookies, { status: 503, cleared: false, session: false });
        expect(res.body).toEqual({ error: 'provider_unavailable' });
        expect(res.headers['retry-after']).toBe('5');
        expect(res.headers['set-cookie']).toBeUndefined(); // no transaction for an attempt that did not start
        // discovery is retried: the next login goes to the provider and the sign-in completes
        const discoveries = idp.counts.discoveryRequests;
        const again = await signedInCookies(fresh, ALICE, '?returnTo=/me');
        expect(idp.counts.discoveryRequests).toBe(discoveries + 1);
        expect((await fresh.send('GET', '/me', again)).body.user.email).toBe(ALICE.email);
      } finally {
        await fault.mend(idp);
        await fresh?.close();
      }
    });
  });

  describe('the callback while the token endpoint fails', () => {
    test.each(OUTAGES.map((f) => [f.name, f] as const))('%s: 400, no session, bounded; a new sign-in works once it is back', async (_n, fault) => {
      const cookies = new Jar();
      const { authorizationUrl } = await beginLogin(app, cookies, '?returnTo=/me');
      const cb = await atProvider(authorizationUrl, ALICE);
      await fault.break(idp, ['/token']);
      let res;
      let ms;
      try {
        [res, ms] = await timed(() => app.send('GET', cb.pathname + cb.search, cookies, { headers: JSON_ACCEPT }));
      } finally {
        await fault.mend(idp);
      }
      expect(ms).toBeLessThan(BOUND);
      await expectOutcome(app, res, cookies, { status: 400, cleared: false, session: false });
      expect(res.body).toEqual({ error: 'sign_in_failed', reason: 'exchange_failed' });
      expect(writtenSessionCookies(res)).toEqual([]);
      const again = await signedInCookies(app, ALICE);
      expect((await app.send('GET', '/me', again)).status).toBe(200);
    });
  });

  describe('logout while the revocation endpoint fails', () => {
    test.each(OUTAGES.map((f) => [f.name, f] as const))('%s: signed out anyway, cookie cleared, bounded', async (_n, fault) => {
      const cookies = await signedInCookies(app, ALICE);
      const signOuts = app.events.signOut.length;
      await fault.break(idp, ['/token/revocation']);
      let res;
      let ms;
      try {
        [res, ms] = await timed(() => app.send('POST', '/logout', cookies, { headers: { 'Sec-Fetch-Site': 'same-origin' } }));
      } finally {
        await fault.mend(idp);
      }
      expect(ms).toBeLessThan(BOUND);
      await expectOutcome(app, res, cookies, { status: 303, cleared: true, session: false });
      expect(app.events.signOut.length).toBe(signOuts + 1);
      // the end-session URL is built from the cached discovery: the browser still ends the provider session
      const location = new URL(res.headers.location);
      expect(location.origin).toBe(idp.issuer);
      expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${app.baseURL}/`);
      expect(app.events.logs.some((l) => l.level === 'warn' && /revoking the refresh token failed/.test(l.msg ?? ''))).toBe(true);
    });

    test('documented limit: a refresh token whose revocation failed stays valid at the provider until it expires', async () => {
      const cookies = await signedInCookies(app, ALICE);
      const { refreshToken } = await readSession(cookies);
      idp.setFault({ status: 503 }, ['/token/revocation']);
      await app.send('POST', '/logout', cookies, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
      idp.setFault(null);
      const r = await fetch(`${idp.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: clientBasic(app) },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      });
      expect(r.status).toBe(200);
    });
  });

  describe('switch-org while the token endpoint fails', () => {
    test.each(TOKEN_OUTAGES.map((f) => [f.name, f] as const))('%s: 503 JSON, the session exactly as it was; the switch works once it is back', async (_n, fault) => {
      const cookies = await signedInCookies(app, ALICE);
      const before = await readSession(cookies);
      await fault.break(idp, ['/token']);
      let res;
      let ms;
      try {
        [res, ms] = await timed(() =>
          app.send('POST', '/switch-org', cookies, { headers: { ...JSON_ACCEPT, Origin: app.baseURL }, body: { organizationId: 'org_globex' } }),
        );
      } finally {
        await fault.mend(idp);
      }
      expect(ms).toBeLessThan(BOUND);
      await expectOutcome(app, res, cookies, { status: 503, cleared: false, session: true });
      expect(res.body).toMatchObject({ error: 'provider_unavailable', organizationId: 'org_globex' });
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(await readSession(cookies)).toEqual(before);
      idp.resetCounts();
      const ok = await app.send('POST', '/switch-org', cookies, { headers: { ...JSON_ACCEPT, Origin: app.baseURL }, body: { organizationId: 'org_globex' } });
      expect(ok.status).toBe(200);
      expect(ok.body.organizationId).toBe('org_globex');
      expect(idp.counts).toMatchObject({ refreshGrants: 1, grantsRevoked: 0, refreshTokenReuses: 0 });
    });
  });

  describe('/access-token inside the refresh window while the token endpoint fails', () => {
    test.each(TOKEN_OUTAGES.map((f) => [f.name, f] as const))('%s: the still-valid token, onRefreshError transient; refreshed once it is back', async (_n, fault) => {
      const cookies = await signedInCookies(due, ALICE);
      const before = await readSession(cookies);
      const errors = due.events.refreshError.length;
      await fault.break(idp, ['/token']);
      let res;
      let ms;
      try {
        [res, ms] = await timed(() => due.send('GET', '/access-token', cookies, { headers: { 'Sec-Fetch-Site': 'same-origin' } }));
      } finally {
        await fault.mend(idp);
      }
      expect(ms).toBeLessThan(BOUND);
      expect(res.body).toEqual({ accessToken: before.accessToken, expiresAt: before.expiresAt });
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(due.events.refreshError.length).toBe(errors + 1);
      expect(due.events.refreshError.at(-1).isTransient).toBe(true);
      idp.resetCounts(); // the provider is back: from here on, one grant for this session in all
      await expectOutcome(due, res, cookies, { status: 200, cleared: false, session: true });
      const back = await due.send('GET', '/access-token', cookies, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
      expect(back.status).toBe(200);
      expect(back.body.accessToken).not.toBe(before.accessToken);
      expect(idp.counts).toMatchObject({ refreshGrants: 1, grantsRevoked: 0, refreshTokenReuses: 0 });
    });
  });

  describe('proactive refresh: answers and their classification', () => {
    test.each(REFRESH_ANSWERS.map(([n, f, t]) => [n, t, f] as const))('%s → isTransient %s, session kept, refreshed once it is back', async (_n, transient, fault) => {
      const cookies = await signedInCookies(due, ALICE);
      const before = await readSession(cookies);
      const errors = due.events.refreshError.length;
      idp.setFault(fault, ['/token']);
      const res = await due.send('GET', '/me', cookies, { headers: JSON_ACCEPT });
      idp.setFault(null);
      expect(res.body.accessToken).toBe(before.accessToken);
      expect(due.events.refreshError.length).toBe(errors + 1);
      expect(due.events.refreshError.at(-1).isTransient).toBe(transient);
      idp.resetCounts(); // the provider is back: from here on, one grant for this session in all
      await expectOutcome(due, res, cookies, { status: 200, cleared: false, session: true });
      const back = await due.send('GET', '/me', cookies, { headers: JSON_ACCEPT });
      expect(back.status).toBe(200);
      expect(back.body.accessToken).not.toBe(before.accessToken);
      expect(idp.counts).toMatchObject({ refreshGrants: 1, grantsRevoked: 0, refreshTokenReuses: 0 });
    });

    test('the contrast: 400 invalid_grant is terminal (isTransient false), the session ends, the cookie is cleared', async () => {
      const cookies = await signedInCookies(due, ALICE);
      idp.setFault({ status: 400, body: '{"error":"invalid_grant"}', contentType: 'application/json' }, ['/token']);
      const res = await due.send('GET', '/me', cookies, { headers: JSON_ACCEPT });
      idp.setFault(null);
      await expectOutcome(due, res, cookies, { status: 401, cleared: true, session: false });
      expect(due.events.refreshError.at(-1).isTransient).toBe(false);
    });

    test('ten concurrent requests during a hang share one bounded attempt, all answered, nobody logged out', async () => {
      const cookies = await signedInCookies(due, ALICE);
      idp.setFault({ hang: true }, ['/token']);
      idp.resetCounts();
      const errors = due.events.refreshError.length;
      const [responses, ms] = await timed(() => Promise.all(Array.from({ length: 10 }, () => due.send('GET', '/me', cookies.clone(), { headers: JSON_ACCEPT }))));
      idp.setFault(null);
      expect(ms).toBeLessThan(BOUND);
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(responses.every((r) => r.headers['set-cookie'] === undefined)).toBe(true);
      expect(idp.counts.faultedRequests).toBe(1);
      expect(due.events.refreshError.length).toBe(errors + 1);
      expect(await due.send('GET', '/public', cookies).then((r) => r.body.isAuthenticated)).toBe(true);
    });
  });

  describe('the JWKS endpoint failing', () => {
    const jwksCase = async (fault: Fault) => {
      const cookies = await signedInCookies(app, ALICE);
      const { accessToken } = await readSession(cookies);
      // a new instance of the same client (a restart): nothing cached, the keys must be fetched
      const client = { clientId: app.clientId, clientSecret: clientSecretOf(app.clientId) };
      const restarted = await startApp(idp, factory, { ...client, httpTimeout: QUICK, bearer: { audience: idp.issuer } });
      try {
        // discovery first (while the provider is up), then the JWKS breaks
        expect((await restarted.send('GET', '/login', new Jar())).status).toBe(302);
        await fault.break(idp, ['/jwks']);
        let me;
        let bearer;
        let ms;
        try {
          [me, ms] = await timed(() => restarted.send('GET', '/me', cookies.clone(), { headers: JSON_ACCEPT }));
          bearer = await restarted.send('GET', '/me', undefined, { headers: { ...JSON_ACCEPT, Authorization: `Bearer ${accessToken}` } });
        } finally {
          await fault.mend(idp);
        }
        expect(ms).toBeLessThan(BOUND);
        await expectOutcome(restarted, me, cookies.clone(), { status: 200, cleared: false, session: true });
        expect(me.body.user.email).toBe(ALICE.email);
        expect(bearer.status).toBe(401);
        // back: the keys are fetched, the token verifies, the bearer is accepted
        const later = await restarted.send('GET', '/me', cookies.clone(), { headers: JSON_ACCEPT });
        expect(later.status).toBe(200);
        expect(later.body.claims.iss).toBe(idp.issuer);
        expect((await restarted.send('GET', '/me', undefined, { headers: { Authorization: `Bearer ${accessToken}` } })).status).toBe(200);
      } finally {
        await restarted.close();
      }
    };
    const title = (name: string) => `${name}: a session goes on (keys unknown, token from the token endpoint), a bearer token is refused; both fine once it is back`;
    test.each(OUTAGES.filter((f) => f.name !== 'connection refused').map((f) => [f.name, f] as const))(title('%s'), (_n, fault) => jwksCase(fault));
    test(title('connection refused'), () => jwksCase(OUTAGES.find((f) => f.name === 'connection refused')!));
  });

  test('provider down at start-up: the app is built and serves public routes and existing sessions; sign-in works once it starts', async () => {
    const cookies = await signedInCookies(app, ALICE); // a session from before the restart
    await idp.stop();
    let fresh: TestApp | undefined;
    try {
      const client = { clientId: app.clientId, clientSecret: clientSecretOf(app.clientId) };
      fresh = await startApp(idp, factory, { ...client, httpTimeout: QUICK });
      await shareClient(idp, app, fresh);
      expect((await fresh.send('GET', '/public', new Jar())).body).toEqual({ isAuthenticated: false, organizationId: null });
      // the existing session: used as it is (its token cannot be checked yet), never cleared
      const me = await fresh.send('GET', '/me', cookies.clone(), { headers: JSON_ACCEPT });
      await expectOutcome(fresh, me, cookies.clone(), { status: 200, cleared: false, session: true });
      const login = await fresh.send('GET', '/login', new Jar());
      expect(login.status).toBe(503);
      expect(login.body).toEqual({ error: 'provider_unavailable' });
      // logout still signs out locally, to postLogoutRedirect (no end-session URL without discovery)
      const out = cookies.clone();
      const bye = await fresh.send('POST', '/logout', out, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
      await expectOutcome(fresh, bye, out, { status: 303, cleared: true, session: false });
      expect(bye.headers.location).toBe(`${fresh.baseURL}/`);
      await idp.start();
      // discovery failed twice while the provider was down: attempts pause 1 s (back-off, issue 13.14)
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const back = await signedInCookies(fresh, ALICE);
      expect((await fresh.send('GET', '/me', back)).body.user.email).toBe(ALICE.email);
    } finally {
      await idp.start();
      await fresh?.close();
    }
  });
});

describe('the default httpTimeout (5000 ms)', () => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: TTL });
  });
  afterAll(() => idp.close());

  test('a hung token endpoint: the request is answered after ~5 s, not left hanging', async () => {
    const [, factory] = FRAMEWORKS[0];
    const app = await startApp(idp, factory, { refresh: { buffer: TTL + 600 } }); // httpTimeout not set
    try {
      const cookies = await signedInCookies(app, ALICE);
      idp.setFault({ hang: true }, ['/token']);
      const [res, ms] = await timed(() => app.send('GET', '/me', cookies, { headers: JSON_ACCEPT }));
      idp.setFault(null);
      expect(res.status).toBe(200);
      expect(ms).toBeGreaterThanOrEqual(4500);
      expect(ms).toBeLessThan(6500);
      expect(app.events.refreshError.at(-1).isTransient).toBe(true);
    } finally {
      idp.setFault(null);
      await app.close();
    }
  }, 15_000);
});
