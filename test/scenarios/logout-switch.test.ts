import { describe, expect, test } from '@jest/globals';
import { logoutAtProvider, loginAtProvider } from '../../examples/dev-idp/http-login.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, BOB, Jar, setCookies, clientBasic, suiteApps } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';

const JSON_ACCEPT = { Accept: 'application/json' };

describe.each(FRAMEWORKS)('logout and organization switching on %s', (_name, factory) => {
  const s = suiteApps(factory, { app: {}, due: { refresh: { buffer: 1000 } } });

  describe('logout', () => {
    test('POST /logout revokes the refresh token, clears the cookie and ends the provider session', async () => {
      const jar = new Jar();
      const start = await s.app.get('/login', jar);
      const login = await loginAtProvider(start.headers.location, ALICE);
      const cb = new URL(login.callbackUrl);
      await s.app.get(cb.pathname + cb.search, jar);
      const { refreshToken } = await readSession(jar);
      s.idp.resetCounts();
      const res = await s.app.send('POST', '/logout', jar, { headers: { Origin: s.app.baseURL, 'Sec-Fetch-Site': 'same-origin' } });
      expect(res.status).toBe(303);
      expect(res.headers['cache-control']).toBe('private, no-store');
      const location = new URL(res.headers.location);
      expect(location.origin).toBe(s.idp.issuer);
      expect(location.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
      expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${s.app.baseURL}/`);
      expect(jar.sessionNames()).toEqual([]);
      expect(s.idp.counts.revocations).toBe(1);
      expect(s.app.events.signOut.at(-1)).toMatchObject({ user: { email: 'alice@example.com' } });
      // the revoked refresh token is dead at the provider
      const r = await fetch(`${s.idp.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: clientBasic(s.app),
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      });
      expect(r.status).toBe(400);
      // the browser follows the end-session URL: the provider session ends and it comes back to the app
      const done = await logoutAtProvider(location.href, { jar: login.jar });
      expect(done.redirectUrl.startsWith(`${s.app.baseURL}/`)).toBe(true);
      expect(s.idp.counts.endSessions).toBe(1);
      expect((await s.app.get('/me', jar)).status).toBe(401);
    });

    test('GET /logout works too; without a session it changes no cookie', async () => {
      const jar = new Jar();
      await s.app.signIn(jar);
      const res = await s.app.get('/logout', jar, { 'Sec-Fetch-Site': 'same-origin' });
      expect(res.status).toBe(302);
      expect(jar.sessionNames()).toEqual([]);
      const again = await s.app.get('/logout', jar);
      expect(again.status).toBe(302);
      expect(again.headers.location).toBe(`${s.app.baseURL}/`);
      expect(setCookies(again)).toEqual([]);
    });

    test('a cross-site logout ends nothing', async () => {
      const jar = new Jar();
      await s.app.signIn(jar);
      const post = await s.app.send('POST', '/logout', jar, { headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' } });
      expect(post.status).toBe(403);
      expect(setCookies(post).filter((c) => c.startsWith('sessionkit'))).toEqual([]);
      const get = await s.app.get('/logout', jar, { 'Sec-Fetch-Site': 'cross-site' });
      expect(get.status).toBe(200);
      expect(get.text).toMatch(/<form method="post" action="\/logout">/);
      expect(setCookies(get)).toEqual([]);
      expect((await s.app.get('/me', jar)).status).toBe(200);
    });
  });

  describe('switch-org', () => {
    test('moves the session into another organization and keeps it across refreshes', async () => {
      const jar = new Jar();
      await s.due.signIn(jar);
      s.idp.resetCounts();
      const res = await s.due.send('POST', '/switch-org', jar, {
        headers: { ...JSON_ACCEPT, Origin: s.due.baseURL },
        body: { organizationId: 'org_globex' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ organizationId: 'org_globex', role: 'member', permissions: ['widgets:read'] });
      expect(JSON.stringify(res.body)).not.toMatch(/eyJ/);
      // every later request refreshes (buffer > TTL) and stays in globex
      for (let i = 0; i < 3; i++) {
        const me = await s.due.get('/me', jar);
        expect(me.body.organizationId).toBe('org_globex');
        expect(me.body.claims.org_id).toBe('org_globex');
      }
      expect(s.idp.counts.grantsRevoked).toBe(0);
    });

    test('an HTML form gets 303 back to returnTo', async () => {
      const jar = new Jar();
      await s.app.signIn(jar);
      const res = await s.app.send('POST', '/switch-org', jar, {
        headers: { Accept: 'text/html', 'Sec-Fetch-Site': 'same-origin' },
        form: { organizationId: 'org_globex', returnTo: '/dashboard?tab=1' },
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/dashboard?tab=1');
      expect((await s.app.get('/me', jar)).body.organizationId).toBe('org_globex');
      // the query string works as well as the body
      const back = await s.app.send('POST', '/switch-org?organizationId=org_acme&returnTo=https://evil.example', jar, { headers: { Accept: 'text/html' } });
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/');
      expect((await s.app.get('/me', jar)).body.organizationId).toBe('org_acme');
    });

    test('a refused switch keeps the session exactly as it was', async () => {
      const jar = new Jar();
      await s.app.signIn(jar, BOB);
      const before = await readSession(jar);
      const res = await s.app.send('POST', '/switch-org', jar, { headers: JSON_ACCEPT, body: { organizationId: 'org_acme' } });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'organization_switch_refused', organizationId: 'org_acme' });
      expect(setCookies(res).filter((c) => c.startsWith('sessionkit'))).toEqual([]);
      const me = await s.app.get('/me', jar);
      expect(me.body.organizationId).toBe('org_globex');
      expect(me.body.accessToken).toBe(before.accessToken);
      // the refresh token was not spent: an ordinary refresh still works
      s.idp.resetCounts();
      expect((await s.app.send('POST', '/refresh-now', jar)).status).toBe(200);
      expect(s.idp.counts.refreshGrants).toBe(1);
      expect(s.idp.counts.grantsRevoked).toBe(0);
      // an HTML form is sent back with the error
      const form = await s.app.send('POST', '/switch-org', jar, { headers: { Accept: 'text/html' }, form: { organizationId: 'org_acme', returnTo: '/dashboard' } });
      expect(form.status).toBe(303);
      expect(form.headers.location).toBe('/dashboard?error=organization_switch_refused&organizationId=org_acme');
    });

    test('an organization that demands re-authentication sends the user to login for it', async () => {
      const jar = new Jar();
      await s.app.signIn(jar);
      const res = await s.app.send('POST', '/switch-org', jar, { headers: { Accept: 'text/html' }, form: { organizationId: 'org_initech', returnTo: '/dashboard' } });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login?returnTo=%2Fdashboard&organizationId=org_initech');
      const json = await s.app.send('POST', '/switch-org', jar, { headers: JSON_ACCEPT, body: { organizationId: 'org_initech' } });
      expect(json.status).toBe(401);
      expect(json.body.error).toBe('reauthentication_required');
      expect((await s.app.get('/me', jar)).body.organizationId).toBe('org_acme');
      // signing in again for it works
      const again = await s.app.signIn(jar, ALICE, '?organizationId=org_initech&returnTo=/dashboard');
      expect(again.headers.location).toBe('/dashboard');
      expect((await s.app.get('/me', jar)).body.organizationId).toBe('org_initech');
    });

    test('GET does not switch; another origin cannot switch; organizationId is required', async () => {
      const jar = new Jar();
      await s.app.signIn(jar);
      const get = await s.app.get('/switch-org?organizationId=org_globex', jar);
      expect(get.status).toBe(405);
      const cross = await s.app.send('POST', '/switch-org', jar, { headers: { Origin: 'https://evil.example' }, form: { organizationId: 'org_globex' } });
      expect(cross.status).toBe(403);
      const missing = await s.app.send('POST', '/switch-org', jar, { headers: JSON_ACCEPT, body: {} });
      expect(missing.status).toBe(400);
      expect((await s.app.get('/me', jar)).body.organizationId).toBe('org_acme');
      const anonymous = await s.app.send('POST', '/switch-org', new Jar(), { headers: JSON_ACCEPT, body: { organizationId: 'org_globex' } });
      expect(anonymous.status).toBe(401);
    });
  });
});
