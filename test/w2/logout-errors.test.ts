/**
 * Logout and errors (issue 14.5, 13.14): the end-session redirect carries a `state`; the logout
 * confirmation page cannot be framed; the sign-in error page says what went wrong and the log line
 * carries the cause; a provider that cannot be discovered answers 503 (HTML or JSON), retried with
 * back-off; a misconfigured issuer is explained in the log.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, Jar, PASSWORD, logText, startApp, type TestApp, suiteApps } from '../helpers/harness.js';
import { algorithmConfusion, atProvider, beginLogin, claimsOf, HTML_ACCEPT, JSON_ACCEPT, transactionName } from '../security/support.js';
import { seal } from '../helpers/tamper.js';

const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };
const pathOf = (u: URL) => u.pathname + u.search;
const warnings = (app: TestApp) => app.events.logs.filter((l) => l.level === 'warn' && /callback refused/.test(l.msg ?? ''));

describe.each(FRAMEWORKS)('logout and sign-in errors on %s', (_name, factory) => {
  const s = suiteApps(factory, { app: {} });
  afterEach(() => s.idp.setFault(null));

  test('the end-session redirect carries a fresh state (RP-Initiated Logout 1.0 §2)', async () => {
    const states: string[] = [];
    for (let i = 0; i < 2; i++) {
      const jar = new Jar();
      await s.app.signIn(jar);
      const out = await s.app.send('POST', '/logout', jar, { headers: SAME_ORIGIN });
      expect(out.status).toBe(303);
      const to = new URL(out.headers.location);
      expect(to.pathname).toBe('/session/end');
      expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${s.app.baseURL}/`);
      const state = to.searchParams.get('state');
      expect(state).toMatch(/^[\w-]{32,}$/);
      states.push(state!);
    }
    expect(states[0]).not.toBe(states[1]);
  });

  test('the logout confirmation page (cross-site GET) cannot be framed', async () => {
    const jar = new Jar();
    await s.app.signIn(jar);
    const res = await s.app.get('/logout', jar, { 'Sec-Fetch-Site': 'cross-site', ...HTML_ACCEPT });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/Sign out\?/);
    expect(res.headers['content-security-policy']).toBe("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  test('access_denied from the provider: "sign-in was cancelled"', async () => {
    const cookies = new Jar();
    const { state } = await beginLogin(s.app, cookies);
    const res = await s.app.send('GET', `/callback?error=access_denied&state=${state}`, cookies, { headers: HTML_ACCEPT });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/Sign-in was cancelled/);
    expect(warnings(s.app).at(-1)!.obj).toMatchObject({ reason: 'provider_error', problem: 'cancelled', oauthError: 'access_denied' });
  });

  test('an expired or foreign sign-in link says so', async () => {
    const res = await s.app.get(`/callback?code=abc&state=${randomBytes(16).toString('base64url')}`, undefined, HTML_ACCEPT);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/no longer valid: it expired, was already used, or was opened in another browser/);
  });

  test('an ID token that does not verify (HS256): the page says so, the log carries the cause, never the token', async () => {
    const cookies = new Jar();
    const { authorizationUrl } = await beginLogin(s.app, cookies);
    const cb = await atProvider(authorizationUrl, ALICE);
    let forged = '';
    s.idp.setFault({ rewrite: async (body) => ({ ...body, id_token: (forged = await algorithmConfusion(s.idp, claimsOf(body.id_token))) }) }, ['/token']);
    const res = await s.app.send('GET', pathOf(cb), cookies, { headers: HTML_ACCEPT });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/could not be verified/);
    const line = warnings(s.app).at(-1)!.obj as Record<string, unknown>;
    expect(line).toMatchObject({ reason: 'exchange_failed', problem: 'token_invalid' });
    expect(String(line.cause)).toMatch(/Error/);
    expect(forged).not.toBe('');
    expect(logText(s.app)).not.toContain(forged.split('.')[2]);
  });

  test('the provider refusing the exchange (a wrong client secret): the page says so; the log names clientSecret and clientAuthMethod', async () => {
    const wrong = await startApp(s.idp, factory, { clientSecret: 'not-the-registered-secret-0123456789' });
    try {
      const res = await wrong.signIn(new Jar());
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/refused to complete the sign-in/);
      expect(warnings(wrong).at(-1)!.obj).toMatchObject({ reason: 'exchange_failed', problem: 'exchange_refused', oauthError: 'invalid_client', status: 401 });
      const hint = wrong.events.logs.find((l) => l.level === 'error' && /clientSecret/.test(l.msg ?? ''));
      expect(hint?.msg).toMatch(/SESSIONKIT_CLIENT_SECRET.*clientAuthMethod.*client_secret_basic/);
      expect(logText(wrong)).not.toContain('not-the-registered-secret');
    } finally {
      await wrong.close();
    }
  });

  describe('a provider that cannot be discovered', () => {
    test('/login and /callback: 503, an HTML page for a browser and JSON for an API client; attempts back off', async () => {
      s.idp.setFault({ status: 503 }, ['/.well-known/openid-configuration']);
      const fresh = await startApp(s.idp, factory, { httpTimeout: 1000 });
      try {
        const before = s.idp.counts.faultedRequests;
        const page = await fresh.get('/login', undefined, HTML_ACCEPT);
        expect(page.status).toBe(503);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.headers['retry-after']).toBe('5');
        expect(page.text).toMatch(/unavailable/);
        const api = await fresh.get('/login', undefined, JSON_ACCEPT);
        expect(api.status).toBe(503);
        expect(api.body).toEqual({ error: 'provider_unavailable' });
        // a callback with a genuine transaction for its state: the exchange needs the provider
        const state = randomBytes(16).toString('base64url');
        const tx = await seal({ state, nonce: 'n', codeVerifier: randomBytes(32).toString('base64url'), returnTo: '/' }, PASSWORD, 600);
        const cookie = `${transactionName(state)}=${tx}`;
        const cbPage = await fresh.get(`/callback?code=abc&state=${state}`, undefined, { ...HTML_ACCEPT, Cookie: cookie });
        expect(cbPage.status).toBe(503);
        expect(cbPage.headers['content-type']).toMatch(/^text\/html/);
        const cbApi = await fresh.get(`/callback?code=abc&state=${state}`, undefined, { ...JSON_ACCEPT, Cookie: cookie });
        expect(cbApi.status).toBe(503);
        expect(cbApi.body).toEqual({ error: 'provider_unavailable' });
        // 20 more requests while it is down: answered at once, without a discovery attempt each
        const started = Date.now();
        for (let i = 0; i < 20; i++) expect((await fresh.get('/login', undefined, JSON_ACCEPT)).status).toBe(503);
        expect(Date.now() - started).toBeLessThan(1000);
        expect(s.idp.counts.faultedRequests - before).toBeLessThanOrEqual(3);
        // back: sign-in works again within the back-off
        s.idp.setFault(null);
        const deadline = Date.now() + 5000;
        let status = 0;
        while (Date.now() < deadline && (status = (await fresh.get('/login')).status) !== 302) await new Promise((r) => setTimeout(r, 100));
        expect(status).toBe(302);
        expect((await fresh.signIn(new Jar())).status).toBe(302);
      } finally {
        s.idp.setFault(null);
        await fresh.close();
      }
    });

    test('an issuer that differs from the discovery document’s: the log names both values and SESSIONKIT_ISSUER', async () => {
      const other = s.idp.issuer.replace('127.0.0.1', 'localhost');
      const wrong = await startApp(s.idp, factory, { issuer: other });
      try {
        expect((await wrong.get('/login', undefined, JSON_ACCEPT)).status).toBe(503);
        const line = wrong.events.logs.find((l) => l.level === 'error' && /issuer/.test(l.msg ?? ''));
        expect(line?.msg).toContain(JSON.stringify(s.idp.issuer));
        expect(line?.msg).toContain(JSON.stringify(other));
        expect(line?.msg).toContain('SESSIONKIT_ISSUER');
      } finally {
        await wrong.close();
      }
      const withPath = await startApp(s.idp, factory, { issuer: `${s.idp.issuer}/tenant` });
      try {
        expect((await withPath.get('/login', undefined, JSON_ACCEPT)).status).toBe(503);
        const line = withPath.events.logs.find((l) => l.level === 'error' && /discovery document/.test(l.msg ?? ''));
        expect(line?.msg).toContain(`${s.idp.issuer}/tenant/.well-known/openid-configuration`);
        expect(line?.msg).toContain('SESSIONKIT_ISSUER');
      } finally {
        await withPath.close();
      }
    });
  });
});
