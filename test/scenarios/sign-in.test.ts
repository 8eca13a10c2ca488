import { describe, expect, test } from '@jest/globals';
import { loginAtProvider } from '../../examples/dev-idp/http-login.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, BOB, CAROL, Jar, logText, setCookies, startApp, suiteApps } from '../helpers/harness.js';

const HTML = { Accept: 'text/html,application/xhtml+xml' };

describe.each(FRAMEWORKS)('sign-in on %s', (_name, factory) => {
  const s = suiteApps(factory, { app: {} });

  test('a full sign-in puts the verified claims in auth', async () => {
    const jar = new Jar();
    const done = await s.app.signIn(jar, ALICE, '?returnTo=%2Fme%3Fx%3D1');
    expect(done.status).toBe(302);
    expect(done.headers.location).toBe('/me?x=1');
    const me = await s.app.get('/me', jar);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      isAuthenticated: true,
      user: { id: 'user_alice', email: 'alice@example.com', emailVerified: true, name: 'Alice Anderson', firstName: 'Alice', lastName: 'Anderson' },
      organizationId: 'org_acme',
      role: 'admin',
      roles: ['admin'],
      permissions: ['widgets:read', 'widgets:write', 'members:manage'],
      featureFlags: expect.any(Array),
    });
    expect(typeof me.body.sessionId).toBe('string');
    expect(me.body.claims.iss).toBe(s.idp.issuer);
    expect(me.body.expiresAt).toBe(me.body.claims.exp);
    expect(me.body.accessToken.split('.')).toHaveLength(3);
    const signIn = s.app.events.signIn.at(-1);
    expect(signIn.user.email).toBe('alice@example.com');
    expect(signIn.organizationId).toBe('org_acme');
    expect(typeof signIn.refreshToken).toBe('string');
    expect(typeof signIn.idToken).toBe('string');
    // req.session is the record; no token ever reaches the logs
    const record = await s.app.get('/record', jar);
    expect(record.body.hasRecord).toBe(true);
    expect(record.body.keys).toEqual(expect.arrayContaining(['accessToken', 'expiresAt', 'user', 'refreshToken']));
    const logs = logText(s.app);
    for (const token of [signIn.accessToken, signIn.refreshToken, signIn.idToken]) expect(logs).not.toContain(token);
  });

  test('the opaque state reaches onSignIn and a user without organization signs in', async () => {
    const jar = new Jar();
    await s.app.signIn(jar, CAROL, '?state=cart-42');
    expect(s.app.events.signIn.at(-1).state).toBe('cart-42');
    const me = await s.app.get('/me', jar);
    expect(me.body.user.email).toBe('carol@example.com');
    expect(me.body.organizationId).toBeUndefined();
  });

  test('session cookie attributes and cache headers', async () => {
    const jar = new Jar();
    const done = await s.app.signIn(jar);
    const session = setCookies(done).find((c) => c.startsWith('sessionkit=') || c.startsWith('sessionkit.0='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).toMatch(/; Path=\//);
    expect(session).toMatch(/; Max-Age=1209600/);
    expect(session).not.toMatch(/Secure/); // http://127.0.0.1 base URL
    expect(done.headers['cache-control']).toBe('private, no-store');
    const me = await s.app.get('/me', jar);
    expect(me.headers['cache-control']).toBe('private, no-store');
    expect(me.headers.vary).toMatch(/Cookie/);
    expect(me.headers['set-cookie']).toBeUndefined(); // nothing changed: no re-seal
    const anonymous = await s.app.get('/public');
    expect(anonymous.body).toEqual({ isAuthenticated: false, organizationId: null });
    expect(anonymous.headers['cache-control']).toBeUndefined();
    expect(anonymous.headers.vary).toMatch(/Cookie/); // a signed-out page depends on the cookie too
  });

  test('login sends state, nonce, PKCE S256 and the login options to the provider', async () => {
    const jar = new Jar();
    const res = await s.app.get('/login?returnTo=/x&screenHint=sign-up&organizationId=org_globex&loginHint=bob%40example.com', jar);
    expect(res.status).toBe(302);
    const url = new URL(res.headers.location);
    expect(url.origin).toBe(s.idp.issuer);
    const p = url.searchParams;
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(p.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(p.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(p.get('screen_hint')).toBe('sign-up');
    expect(p.get('organization_id')).toBe('org_globex');
    expect(p.get('login_hint')).toBe('bob@example.com');
    expect(p.get('redirect_uri')).toBe(`${s.app.baseURL}/callback`);
    expect(p.get('scope')).toBe('openid profile email offline_access');
    const tx = setCookies(res)[0];
    expect(tx).toMatch(/^sessionkit\.tx\.[\w-]+=Fe26/);
    // Path=/ (the cookie path), not the callback's: /login must see the attempts it caps (issue 13.4)
    expect(tx).toMatch(/Path=\/;/);
    expect(tx).toMatch(/Max-Age=600/);
    expect(tx).toMatch(/HttpOnly/);
  });

  test('sign-in into a chosen organization', async () => {
    const jar = new Jar();
    await s.app.signIn(jar, ALICE, '?organizationId=org_globex');
    const me = await s.app.get('/me', jar);
    expect(me.body.organizationId).toBe('org_globex');
    expect(me.body.role).toBe('member');
  });

  test('two parallel sign-ins in one browser both complete', async () => {
    const jar = new Jar();
    const first = await s.app.get('/login?returnTo=/first', jar);
    const second = await s.app.get('/login?returnTo=/second', jar);
    const [a, b] = await Promise.all([
      loginAtProvider(first.headers.location, ALICE),
      loginAtProvider(second.headers.location, BOB),
    ]);
    const cbA = new URL(a.callbackUrl);
    const cbB = new URL(b.callbackUrl);
    const doneB = await s.app.get(cbB.pathname + cbB.search, jar);
    expect(doneB.headers.location).toBe('/second');
    expect((await s.app.get('/me', jar)).body.user.email).toBe('bob@example.com');
    const doneA = await s.app.get(cbA.pathname + cbA.search, jar);
    expect(doneA.headers.location).toBe('/first');
    expect((await s.app.get('/me', jar)).body.user.email).toBe('alice@example.com');
  });

  describe('returnTo stays on this origin', () => {
    const attempts: [string, string][] = [
      ['https://evil.example/x', '/'],
      ['//evil.example/x', '/'],
      ['/\\evil.example', '/'],
      ['\\\\evil.example', '/'],
      ['javascript:alert(1)', '/'],
      ['%2F%2Fevil.example', '/'],
      ['/%2F%2Fevil.example', '/'],
      ['/%5Cevil.example', '/'],
      ['http:evil.example', '/'],
      ['/ok/path?a=1#frag', '/ok/path?a=1#frag'],
      ['/x%0d%0aSet-Cookie:%20a=b', '/'],
      ['/@evil.example', '/@evil.example'],
    ];
    test.each(attempts)('returnTo=%s → %s', async (returnTo, expected) => {
      const jar = new Jar();
      const done = await s.app.signIn(jar, ALICE, `?returnTo=${encodeURIComponent(returnTo)}`);
      expect(done.status).toBe(302);
      expect(done.headers.location).toBe(expected);
      expect(new URL(done.headers.location, s.app.baseURL).origin).toBe(s.app.baseURL);
      expect(setCookies(done).join('\n')).not.toMatch(/^a=b/m);
    });
  });

  describe('a callback that fails answers 4xx and creates no session', () => {
    async function started(jar: Jar) {
      const res = await s.app.get('/login', jar);
      const { callbackUrl } = await loginAtProvider(res.headers.location, ALICE);
      return new URL(callbackUrl);
    }
    function expectNoSession(res: { status: number; headers: Record<string, any> }, jar: Jar) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(jar.sessionNames()).toEqual([]);
      expect(setCookies(res).some((c) => /^sessionkit(\.\d+)?=Fe26/.test(c))).toBe(false);
    }

    test('tampered state', async () => {
      const jar = new Jar();
      const cb = await started(jar);
      cb.searchParams.set('state', cb.searchParams.get('state')!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
      expectNoSession(await s.app.get(cb.pathname + cb.search, jar), jar);
    });
    test('missing transaction cookie', async () => {
      const jar = new Jar();
      const cb = await started(jar);
      const res = await s.app.get(cb.pathname + cb.search, new Jar());
      expectNoSession(res, jar);
      expect(res.text).toMatch(/Sign-in failed/);
    });
    test('provider error', async () => {
      const jar = new Jar();
      const res = await s.app.get('/login', jar);
      const state = new URL(res.headers.location).searchParams.get('state')!;
      const cb = await s.app.get(`/callback?error=access_denied&error_description=nope&state=${state}`, jar, { Accept: 'application/json' });
      expectNoSession(cb, jar);
      expect(cb.body).toEqual({ error: 'sign_in_failed', reason: 'provider_error' });
      expect(s.app.events.signInError.at(-1).error.code).toBe('SESSIONKIT_CALLBACK_FAILED');
    });
    test('no state at all', async () => {
      expectNoSession(await s.app.get('/callback?code=abc'), new Jar());
    });
    test('replayed callback', async () => {
      const jar = new Jar();
      const cb = await started(jar);
      const saved = jar.clone();
      expect((await s.app.get(cb.pathname + cb.search, jar)).status).toBe(302);
      const replay = await s.app.get(cb.pathname + cb.search, saved);
      expectNoSession(replay, saved);
    });
    test('onSignInError may send its own response', async () => {
      const custom = await startApp(s.idp, factory, {
        onSignInError: ({ response }: any) => {
          if (typeof response.status === 'function') response.status(418).json({ mine: true });
          else {
            response.status = 418;
            response.body = { mine: true };
          }
          return true;
        },
      });
      try {
        const res = await custom.get('/callback?state=nope&code=x');
        expect(res.status).toBe(418);
        expect(res.body).toEqual({ mine: true });
      } finally {
        await custom.close();
      }
    });
  });

  describe('requireAuth', () => {
    test('signed out: HTML GET → 302 to login with returnTo; API → 401 JSON', async () => {
      const page = await s.app.get('/page?tab=2', undefined, HTML);
      expect(page.status).toBe(302);
      expect(page.headers.location).toBe('/login?returnTo=%2Fpage%3Ftab%3D2');
      const api = await s.app.get('/me', undefined, { Accept: 'application/json' });
      expect(api.status).toBe(401);
      expect(api.body).toEqual({ error: 'unauthenticated' });
      expect(api.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      const post = await s.app.send('POST', '/refresh-now', undefined, { headers: HTML });
      expect(post.status).toBe(401);
    });
    test('permissions, roles and organization → 403 when missing', async () => {
      const alice = new Jar();
      await s.app.signIn(alice);
      expect((await s.app.get('/admin', alice)).status).toBe(200);
      expect((await s.app.get('/admins', alice)).status).toBe(200);
      expect((await s.app.get('/org-only', alice)).status).toBe(200);
      const carol = new Jar();
      await s.app.signIn(carol, CAROL);
      for (const path of ['/admin', '/admins', '/org-only']) {
        const res = await s.app.get(path, carol);
        expect(res.status).toBe(403);
        expect(res.body).toEqual({ error: 'forbidden' });
      }
      const member = new Jar();
      await s.app.signIn(member, ALICE, '?organizationId=org_globex'); // a plain member there
      expect((await s.app.get('/admin', member)).status).toBe(403);
      expect((await s.app.get('/admins', member)).status).toBe(403);
      expect((await s.app.get('/org-only', member)).status).toBe(200);
    });
  });

  test('GET /session and /access-token', async () => {
    expect((await s.app.get('/session')).status).toBe(401);
    const jar = new Jar();
    await s.app.signIn(jar);
    const session = await s.app.get('/session', jar);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ user: { email: 'alice@example.com' }, organizationId: 'org_acme', role: 'admin' });
    expect(JSON.stringify(session.body)).not.toMatch(/eyJ/);
    const token = await s.app.get('/access-token', jar);
    expect(token.status).toBe(200);
    expect(token.body.accessToken.split('.')).toHaveLength(3);
    expect(token.headers['cache-control']).toBe('private, no-store');
    expect((await s.app.get('/access-token', jar, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
  });
});
