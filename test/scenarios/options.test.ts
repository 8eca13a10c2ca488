import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, Jar, startApp, withSignedInApp, startDevIdp, type DevIdp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';

describe.each(FRAMEWORKS)('options on %s', (_name, factory) => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300 });
  });
  afterAll(() => idp.close());

  test('plain OAuth2 endpoints without discovery, with opaque access tokens', async () => {
    const i = idp.issuer;
    const app = await startApp(
      idp,
      factory,
      {
        issuer: undefined,
        endpoints: {
          authorization: `${i}/auth`,
          token: `${i}/token`,
          revocation: `${i}/token/revocation`,
          userinfo: `${i}/me`,
          endSession: `${i}/session/end`,
          jwks: `${i}/jwks`,
          issuer: i,
        },
        refresh: { buffer: 1000 },
      },
      { access_token_format: 'opaque' },
    );
    try {
      const jar = new Jar();
      const done = await app.signIn(jar);
      expect(done.status).toBe(302);
      const record = await readSession(jar);
      expect(record.accessToken.split('.')).toHaveLength(1); // opaque
      const now = Math.floor(Date.now() / 1000);
      expect(record.expiresAt).toBeGreaterThanOrEqual(now + 290); // from expires_in
      expect(record.expiresAt).toBeLessThanOrEqual(now + 301);
      idp.resetCounts();
      const me = await app.get('/me', jar); // buffer > TTL: refreshed through the explicit token endpoint
      expect(me.status).toBe(200);
      expect(idp.counts.refreshGrants).toBe(1);
      // claims come from the ID token when the access token is opaque
      expect(me.body).toMatchObject({ user: { email: 'alice@example.com' }, organizationId: 'org_acme', sessionId: expect.any(String) });
      expect(me.body.claims.sub).toBe('user_alice');
      const out = await app.send('POST', '/logout', jar);
      expect(new URL(out.headers.location).pathname).toBe('/session/end');
      expect(idp.counts.revocations).toBe(1);
    } finally {
      await app.close();
    }
  });

  test('hooks that throw never break a request', async () => {
    const boom = () => {
      throw new Error('hook failed');
    };
    const app = await startApp(idp, factory, {
      refresh: { buffer: 1000 },
      onSignIn: boom,
      onSignOut: async () => Promise.reject(new Error('async hook failed')),
      onRefreshSuccess: boom,
      onRefreshError: boom,
    });
    try {
      const jar = new Jar();
      expect((await app.signIn(jar)).status).toBe(302);
      expect((await app.get('/me', jar)).status).toBe(200); // refreshed; onRefreshSuccess threw
      idp.setFault({ status: 503 });
      expect((await app.get('/me', jar)).status).toBe(200); // onRefreshError threw
      idp.setFault(null);
      expect((await app.send('POST', '/logout', jar)).status).toBe(303);
      const errors = app.events.logs.filter((l) => l.level === 'error');
      expect(errors.map((l) => (l.obj as { hook: string }).hook).sort()).toEqual(['onRefreshError', 'onRefreshSuccess', 'onSignIn', 'onSignOut']);
    } finally {
      idp.setFault(null);
      await app.close();
    }
  });

  test('middlewareAuth protects every path but the listed ones; signUpPaths ask for sign-up', async () => {
    const app = await startApp(idp, factory, {
      middlewareAuth: { enabled: true, unauthenticatedPaths: ['/public', '/open/**'] },
      signUpPaths: ['/page'],
    });
    try {
      expect((await app.get('/public')).status).toBe(200);
      expect((await app.get('/open/a/b')).status).toBe(404); // passes the guard, no such route
      expect((await app.get('/record', undefined, { Accept: 'application/json' })).status).toBe(401);
      const page = await app.get('/page', undefined, { Accept: 'text/html' });
      expect(page.status).toBe(302);
      expect(page.headers.location).toBe('/login?returnTo=%2Fpage&screenHint=sign-up');
      expect((await app.get('/login')).status).toBe(302); // the routes stay reachable
      const jar = new Jar();
      await app.signIn(jar, ALICE);
      expect((await app.get('/record', jar)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  test('session.absoluteTimeout ends a session however fresh its tokens', async () => {
    await withSignedInApp(idp, factory, { session: { absoluteTimeout: 3600 } }, async (app, jar) => {
      expect((await app.get('/me', jar)).status).toBe(200);
      const { writeSession } = await import('../helpers/tamper.js');
      const record = await readSession(jar);
      await writeSession(jar, { ...record, createdAt: record.createdAt - 3601 });
      const res = await app.get('/public', jar);
      expect(res.body.isAuthenticated).toBe(false);
      expect(jar.sessionNames()).toEqual([]);
    });
  });

  test('session.idleTimeout ends an idle session; activity keeps it alive', async () => {
    const app = await startApp(idp, factory, { session: { idleTimeout: 600 } });
    try {
      const { writeSession } = await import('../helpers/tamper.js');
      const jar = new Jar();
      await app.signIn(jar);
      const record = await readSession(jar);
      expect(typeof record.touchedAt).toBe('number');
      // 100 s idle: still within the timeout; the activity is written back (touchedAt moves on)
      await writeSession(jar, { ...record, touchedAt: record.touchedAt - 100 });
      const active = await app.get('/me', jar);
      expect(active.status).toBe(200);
      expect((await readSession(jar)).touchedAt).toBeGreaterThanOrEqual(record.touchedAt);
      // a request right after does not re-seal
      expect((await app.get('/me', jar)).headers['set-cookie']).toBeUndefined();
      // 601 s idle: over
      await writeSession(jar, { ...(await readSession(jar)), touchedAt: record.touchedAt - 601 });
      const idle = await app.get('/public', jar);
      expect(idle.body.isAuthenticated).toBe(false);
      expect(jar.sessionNames()).toEqual([]);
    } finally {
      await app.close();
    }
  });

  test('session.rolling false: the cookie expires maxAge after sign-in, not after the last write', async () => {
    const app = await startApp(idp, factory, { session: { rolling: false }, refresh: { buffer: 1000 }, cookie: { password: (await import('../helpers/harness.js')).PASSWORD, maxAge: 7200 } });
    try {
      const { writeSession } = await import('../helpers/tamper.js');
      const jar = new Jar();
      await app.signIn(jar);
      const record = await readSession(jar);
      await writeSession(jar, { ...record, createdAt: record.createdAt - 3600 });
      const res = await app.get('/me', jar); // refreshes and writes the cookie
      const cookie = ([] as string[]).concat(res.headers['set-cookie'] as any).find((c) => c.startsWith('sessionkit='))!;
      const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
      expect(maxAge).toBeGreaterThan(3590);
      expect(maxAge).toBeLessThanOrEqual(3600);
    } finally {
      await app.close();
    }
  });

  describe('bearer tokens', () => {
    test('off by default: an Authorization header is not trusted', async () => {
      await withSignedInApp(idp, factory, {}, async (app, jar) => {
        const { accessToken } = await readSession(jar);
        const res = await app.get('/me', undefined, { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' });
        expect(res.status).toBe(401);
      });
    });

    test('with `bearer`, a valid access token of the provider for that audience is accepted; others are not', async () => {
      const app = await startApp(idp, factory, { bearer: { audience: idp.issuer } });
      const other = await startApp(idp, factory, { bearer: { audience: 'https://api.other.example' } });
      try {
        const jar = new Jar();
        await app.signIn(jar);
        const { accessToken } = await readSession(jar);
        const ok = await app.get('/me', undefined, { Authorization: `Bearer ${accessToken}` });
        expect(ok.status).toBe(200);
        expect(ok.body).toMatchObject({ isAuthenticated: true, user: { id: 'user_alice' }, organizationId: 'org_acme', role: 'admin' });
        expect(ok.headers['set-cookie']).toBeUndefined();
        expect(ok.headers['cache-control']).toBe('private, no-store');
        expect((await other.get('/me', undefined, { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' })).status).toBe(401);
        const [h, p] = accessToken.split('.');
        const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
        expect((await app.get('/me', undefined, { Authorization: `Bearer ${unsigned}`, Accept: 'application/json' })).status).toBe(401);
        const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), role: 'owner' })).toString('base64url')}.${accessToken.split('.')[2]}`;
        expect((await app.get('/me', undefined, { Authorization: `Bearer ${tampered}`, Accept: 'application/json' })).status).toBe(401);
      } finally {
        await app.close();
        await other.close();
      }
    });
  });
});
