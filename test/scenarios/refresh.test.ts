import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { ALICE, Jar, logText, setCookies, startApp, startDevIdp, type DevIdp, type TestApp, clientBasic } from '../helpers/harness.js';
import { readSession, writeSession } from '../helpers/tamper.js';
import { writtenSessionCookies } from '../helpers/jar.js';

const TTL = 300;

/** Revoke a refresh token at the provider's revocation endpoint, as the provider's admin would. */
async function revokeAtProvider(idp: DevIdp, app: TestApp, refreshToken: string) {
  const res = await fetch(`${idp.issuer}/token/revocation`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: clientBasic(app),
    },
    body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }),
  });
  expect(res.status).toBe(200);
}

describe.each(FRAMEWORKS)('refresh on %s', (_name, factory) => {
  let idp: DevIdp;
  let fresh: TestApp; // buffer 60 < TTL: tokens are fresh after sign-in
  let due: TestApp; // buffer > TTL: every request is inside the refresh window
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: TTL });
    fresh = await startApp(idp, factory);
    due = await startApp(idp, factory, { refresh: { buffer: TTL + 600 } });
  });
  afterEach(() => idp.setFault(null));
  afterAll(async () => {
    await fresh.close();
    await due.close();
    await idp.close();
  });

  test('no refresh while the access token is fresh', async () => {
    const jar = new Jar();
    await fresh.signIn(jar);
    idp.resetCounts();
    for (let i = 0; i < 5; i++) {
      const res = await fresh.get('/me', jar);
      expect(res.status).toBe(200);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(idp.counts.refreshGrants).toBe(0);
  });

  test('proactive refresh before the handler, with the hook, and the new cookie on the same response', async () => {
    const jar = new Jar();
    await due.signIn(jar);
    const before = await readSession(jar);
    idp.resetCounts();
    const hooks = due.events.refreshSuccess.length;
    const res = await due.get('/me', jar);
    expect(res.status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(1);
    expect(writtenSessionCookies(res).length > 0).toBe(true);
    const after = await readSession(jar);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(res.body.accessToken).toBe(after.accessToken);
    expect(res.body.organizationId).toBe('org_acme');
    expect(due.events.refreshSuccess.length).toBe(hooks + 1);
    const event = due.events.refreshSuccess.at(-1);
    expect(event).toMatchObject({ accessToken: after.accessToken, organizationId: 'org_acme', user: { email: 'alice@example.com' } });
    expect(event.request).toBeDefined();
    expect(logText(due)).not.toContain(after.refreshToken);
  });

  test('30 concurrent requests on one expiring session spend the refresh token once', async () => {
    const jar = new Jar();
    await due.signIn(jar);
    const cookie = jar.header();
    idp.resetCounts();
    const responses = await Promise.all(Array.from({ length: 30 }, () => due.get('/me', new Jar().clone(), { Cookie: cookie })));
    expect(responses.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(new Set(responses.map((r) => r.body.accessToken)).size).toBe(1);
    expect(idp.counts.refreshGrants).toBe(1);
    expect(idp.counts.refreshTokenReuses).toBe(0);
    expect(idp.counts.grantsRevoked).toBe(0);

    // a late request with the pre-rotation cookie gets the rotated tokens, not a second grant —
    // for this request only: no cookie is written (the browser got it from the storm's answers,
    // and a replayed stolen cookie must not obtain the rotated refresh token)
    const late = await due.get('/me', undefined, { Cookie: cookie });
    expect(late.status).toBe(200);
    expect(late.body.accessToken).toBe(responses[0].body.accessToken);
    expect(setCookies(late).filter((c) => c.startsWith('sessionkit'))).toEqual([]);
    expect(idp.counts.refreshGrants).toBe(1);
    expect(idp.counts.grantsRevoked).toBe(0);

    // and the session goes on: the rotated refresh token still works
    const rotated = new Jar();
    rotated.take(setCookies(responses[0]));
    expect((await due.get('/me', rotated)).status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(2);
    expect(idp.counts.grantsRevoked).toBe(0);
  });

  test('auth.refresh() refreshes on demand and writes the cookie', async () => {
    const jar = new Jar();
    await fresh.signIn(jar);
    const before = await readSession(jar);
    idp.resetCounts();
    const res = await fresh.send('POST', '/refresh-now', jar);
    expect(res.status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(1);
    expect(res.body.accessToken).not.toBe(before.accessToken);
    expect((await readSession(jar)).accessToken).toBe(res.body.accessToken);
  });

  test('a refresh token revoked at the provider: signed out, cookie cleared, onRefreshError terminal', async () => {
    const jar = new Jar();
    await due.signIn(jar);
    await revokeAtProvider(idp, due, (await readSession(jar)).refreshToken);
    const errors = due.events.refreshError.length;
    const res = await due.get('/public', jar);
    expect(res.status).toBe(200);
    expect(res.body.isAuthenticated).toBe(false);
    expect(setCookies(res).some((c) => /^sessionkit=;.*Max-Age=0/.test(c))).toBe(true);
    expect(jar.sessionNames()).toEqual([]);
    expect(due.events.refreshError.length).toBe(errors + 1);
    expect(due.events.refreshError.at(-1)).toMatchObject({ isTransient: false });
    expect(due.events.refreshError.at(-1).error.oauthError).toBe('invalid_grant');
    expect((await due.get('/me', jar)).status).toBe(401);
  });

  describe('the provider failing during refresh keeps the session', () => {
    const faults: [string, (idp: DevIdp) => Promise<void> | void, (idp: DevIdp) => Promise<void> | void][] = [
      ['503', (p) => p.setFault({ status: 503, body: 'down for maintenance' }), (p) => p.setFault(null)],
      ['500 with an OAuth server_error', (p) => p.setFault({ status: 500, body: '{"error":"server_error"}', contentType: 'application/json' }), (p) => p.setFault(null)],
      ['429', (p) => p.setFault({ status: 429, body: '{"error":"slow_down"}', contentType: 'application/json' }), (p) => p.setFault(null)],
      ['connection refused', (p) => p.stop(), (p) => p.start()],
    ];
    test.each(faults)('%s: still signed in, refreshed once it is back', async (_fault, breakIt, mendIt) => {
      const jar = new Jar();
      await due.signIn(jar);
      const before = await readSession(jar);
      const errors = due.events.refreshError.length;
      await breakIt(idp);
      try {
        const res = await due.get('/me', jar);
        expect(res.status).toBe(200);
        expect(res.body.accessToken).toBe(before.accessToken);
        expect(writtenSessionCookies(res).length > 0).toBe(false);
        expect(setCookies(res)).toEqual([]);
        expect(due.events.refreshError.length).toBe(errors + 1);
        expect(due.events.refreshError.at(-1).isTransient).toBe(true);
      } finally {
        await mendIt(idp);
      }
      idp.resetCounts();
      const back = await due.get('/me', jar);
      expect(back.status).toBe(200);
      expect(back.body.accessToken).not.toBe(before.accessToken);
      expect(idp.counts.refreshGrants).toBe(1);
      expect(idp.counts.grantsRevoked).toBe(0);
    });

    test('a hung token endpoint is bounded by httpTimeout', async () => {
      const quick = await startApp(idp, factory, { refresh: { buffer: TTL + 600 }, httpTimeout: 300 });
      try {
        const jar = new Jar();
        await quick.signIn(jar);
        idp.setFault({ hang: true });
        const started = Date.now();
        const res = await quick.get('/me', jar);
        expect(res.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(quick.events.refreshError.at(-1).isTransient).toBe(true);
      } finally {
        idp.setFault(null);
        await quick.close();
      }
    });

    test('once the access token has expired, the request is signed out but the cookie is kept', async () => {
      const jar = new Jar();
      await due.signIn(jar);
      const record = await readSession(jar);
      await writeSession(jar, { ...record, expiresAt: Math.floor(Date.now() / 1000) - 5 });
      idp.setFault({ status: 503 });
      const res = await due.get('/me', jar, { Accept: 'application/json' });
      expect(res.status).toBe(401);
      expect(setCookies(res)).toEqual([]);
      expect(jar.sessionNames()).toEqual(['sessionkit']);
      idp.setFault(null);
      const back = await due.get('/me', jar);
      expect(back.status).toBe(200);
      expect(back.body.user.email).toBe(ALICE.email);
    });
  });
});
