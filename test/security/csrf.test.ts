/**
 * Cross-site requests to the state-changing routes, on Express and Koa, against the real dev
 * provider. A signed-in browser is made to send them from another site; nothing may change: the
 * session stays, its organization stays, no refresh token is spent or revoked, no cookie moves.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { HTML_ACCEPT, JSON_ACCEPT, expectOutcome, signedInCookies } from './support.js';
import { Jar } from '../helpers/jar.js';
import { readSession } from '../helpers/tamper.js';

interface Ctx {
  idp: DevIdp;
  app: TestApp;
  alice: Jar;
}

interface Forged {
  method: string;
  path: string;
  headers: (c: Ctx) => Record<string, string>;
  form?: Record<string, string>;
  body?: object;
}

const EVIL = 'https://evil.example';
const port = (c: Ctx) => new URL(c.app.baseURL).port;

/** [case, request, status, JSON body expected (or null for HTML / none)] */
const cases: [string, Forged, number, unknown][] = [
  // --- POST /logout
  ['POST /logout with Origin of another site', { method: 'POST', path: '/logout', headers: () => ({ Origin: EVIL }) }, 403, { error: 'cross_site_request' }],
  ['POST /logout with Origin: null (sandboxed frame, data: URL)', { method: 'POST', path: '/logout', headers: () => ({ Origin: 'null' }) }, 403, { error: 'cross_site_request' }],
  ['POST /logout with Origin of the same host on another port', { method: 'POST', path: '/logout', headers: (c) => ({ Origin: `http://127.0.0.1:${Number(port(c)) + 1}` }) }, 403, { error: 'cross_site_request' }],
  ['POST /logout with Origin of the same host over https', { method: 'POST', path: '/logout', headers: (c) => ({ Origin: `https://127.0.0.1:${port(c)}` }) }, 403, { error: 'cross_site_request' }],
  ['POST /logout with Origin of localhost (same machine, another name)', { method: 'POST', path: '/logout', headers: (c) => ({ Origin: `http://localhost:${port(c)}` }) }, 403, { error: 'cross_site_request' }],
  ['POST /logout with Sec-Fetch-Site: cross-site', { method: 'POST', path: '/logout', headers: () => ({ 'Sec-Fetch-Site': 'cross-site' }) }, 403, { error: 'cross_site_request' }],
  ['POST /logout with Sec-Fetch-Site: same-site', { method: 'POST', path: '/logout', headers: () => ({ 'Sec-Fetch-Site': 'same-site' }) }, 403, { error: 'cross_site_request' }],
  ['POST /logout with Sec-Fetch-Site: same-origin but a foreign Origin', { method: 'POST', path: '/logout', headers: () => ({ 'Sec-Fetch-Site': 'same-origin', Origin: EVIL }) }, 403, { error: 'cross_site_request' }],
  ['POST /logout with a foreign Origin, a form body and an HTML Accept', { method: 'POST', path: '/logout', headers: () => ({ ...HTML_ACCEPT, Origin: EVIL }), form: { confirm: 'yes' } }, 403, { error: 'cross_site_request' }],
  ['POST /logout cross-site asking for JSON', { method: 'POST', path: '/logout', headers: () => ({ ...JSON_ACCEPT, 'Sec-Fetch-Site': 'cross-site' }), body: {} }, 403, { error: 'cross_site_request' }],

  // --- GET /logout from another site: a confirmation page, nothing ended
  ['GET /logout with Sec-Fetch-Site: cross-site → confirmation page', { method: 'GET', path: '/logout', headers: () => ({ ...HTML_ACCEPT, 'Sec-Fetch-Site': 'cross-site' }) }, 200, null],
  ['GET /logout with Sec-Fetch-Site: same-site → confirmation page', { method: 'GET', path: '/logout', headers: () => ({ ...HTML_ACCEPT, 'Sec-Fetch-Site': 'same-site' }) }, 200, null],
  ['GET /logout with a foreign Origin → confirmation page', { method: 'GET', path: '/logout', headers: () => ({ Origin: EVIL }) }, 200, null],
  ['GET /logout cross-site with markup in the query → escaped confirmation page', { method: 'GET', path: '/logout?x=%22%3E%3Cscript%3Ealert(1)%3C/script%3E', headers: () => ({ 'Sec-Fetch-Site': 'cross-site' }) }, 200, null],

  // --- other methods on /logout
  ['PUT /logout', { method: 'PUT', path: '/logout', headers: () => ({}) }, 405, { error: 'method_not_allowed' }],
  ['DELETE /logout', { method: 'DELETE', path: '/logout', headers: () => ({}) }, 405, { error: 'method_not_allowed' }],

  // --- POST /switch-org
  ['POST /switch-org with Origin of another site', { method: 'POST', path: '/switch-org', headers: () => ({ Origin: EVIL }), form: { organizationId: 'org_globex' } }, 403, { error: 'cross_site_request' }],
  ['POST /switch-org with Origin: null', { method: 'POST', path: '/switch-org', headers: () => ({ Origin: 'null' }), form: { organizationId: 'org_globex' } }, 403, { error: 'cross_site_request' }],
  ['POST /switch-org with Sec-Fetch-Site: cross-site', { method: 'POST', path: '/switch-org', headers: () => ({ 'Sec-Fetch-Site': 'cross-site' }), form: { organizationId: 'org_globex' } }, 403, { error: 'cross_site_request' }],
  ['POST /switch-org with Sec-Fetch-Site: same-site', { method: 'POST', path: '/switch-org', headers: () => ({ 'Sec-Fetch-Site': 'same-site' }), form: { organizationId: 'org_globex' } }, 403, { error: 'cross_site_request' }],
  ['POST /switch-org with Sec-Fetch-Site: same-origin but a foreign Origin', { method: 'POST', path: '/switch-org', headers: () => ({ 'Sec-Fetch-Site': 'same-origin', Origin: EVIL }), form: { organizationId: 'org_globex' } }, 403, { error: 'cross_site_request' }],
  ['POST /switch-org cross-site with a JSON body', { method: 'POST', path: '/switch-org', headers: () => ({ ...JSON_ACCEPT, Origin: EVIL }), body: { organizationId: 'org_globex' } }, 403, { error: 'cross_site_request' }],
  ['POST /switch-org cross-site with the organization in the query', { method: 'POST', path: '/switch-org?organizationId=org_globex', headers: () => ({ 'Sec-Fetch-Site': 'cross-site' }) }, 403, { error: 'cross_site_request' }],

  // --- GET never switches
  ['GET /switch-org?organizationId=… (a link or an <img>)', { method: 'GET', path: '/switch-org?organizationId=org_globex&returnTo=/x', headers: () => ({ ...HTML_ACCEPT, 'Sec-Fetch-Site': 'cross-site' }) }, 405, { error: 'method_not_allowed' }],
  ['GET /switch-org?organizationId=… same-origin', { method: 'GET', path: '/switch-org?organizationId=org_globex', headers: () => ({ 'Sec-Fetch-Site': 'same-origin' }) }, 405, { error: 'method_not_allowed' }],
  ['GET /switch-org with X-HTTP-Method-Override: POST', { method: 'GET', path: '/switch-org?organizationId=org_globex', headers: () => ({ 'X-HTTP-Method-Override': 'POST' }) }, 405, { error: 'method_not_allowed' }],

  // --- the session's JSON routes are same-origin only
  ['GET /access-token with a foreign Origin (token theft by a cross-site fetch)', { method: 'GET', path: '/access-token', headers: () => ({ Origin: EVIL }) }, 403, { error: 'cross_site_request' }],
  ['GET /session with Sec-Fetch-Site: cross-site', { method: 'GET', path: '/session', headers: () => ({ 'Sec-Fetch-Site': 'cross-site' }) }, 403, { error: 'cross_site_request' }],
];

describe.each(FRAMEWORKS)('cross-site requests on %s', (_name, factory) => {
  const c = {} as Ctx;
  beforeAll(async () => {
    c.idp = await startDevIdp({ accessTokenTTL: 300 });
    c.app = await startApp(c.idp, factory);
    c.alice = await signedInCookies(c.app, ALICE);
  });
  afterAll(async () => {
    await c.app?.close();
    await c.idp?.close();
  });

  test.each(cases)('%s → %s', async (_what, forged, status, body) => {
    const cookies = c.alice.clone();
    const before = await readSession(cookies);
    const counts = { ...c.idp.counts };
    const signOuts = c.app.events.signOut.length;
    const res = await c.app.send(forged.method, forged.path, cookies, { headers: forged.headers(c), form: forged.form, body: forged.body });
    await expectOutcome(c.app, res, cookies, { status, cleared: false, session: true });
    if (body !== null) expect(res.body).toEqual(body);
    // nothing moved: no cookie written, same record, same organization, nothing spent or revoked
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await readSession(cookies)).toEqual(before);
    const me = await c.app.send('GET', '/me', cookies.clone());
    expect(me.body.organizationId).toBe('org_acme');
    expect(c.idp.counts).toMatchObject({ refreshGrants: counts.refreshGrants, revocations: counts.revocations, grantsRevoked: counts.grantsRevoked, endSessions: counts.endSessions });
    expect(c.app.events.signOut.length).toBe(signOuts);
    if (forged.path.startsWith('/logout') && forged.method === 'GET') {
      // the page asks; its button posts from this origin to the same route
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/<form method="post" action="\/logout[^"]*">/);
      expect(res.text).not.toMatch(/<script>/);
    }
    if (forged.path === '/access-token') expect(res.text).not.toContain(before.accessToken);
  });

  test('a cross-site POST /logout without a session changes no cookie', async () => {
    const cookies = new Jar();
    const res = await c.app.send('POST', '/logout', cookies, { headers: { Origin: EVIL } });
    await expectOutcome(c.app, res, cookies, { status: 403, cleared: false, session: false });
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
