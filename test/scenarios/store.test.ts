import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { memoryStore, type SessionStore } from '../../lib/index.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { Jar, setCookies, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';

describe.each(FRAMEWORKS)('server-side sessions (memoryStore) on %s', (_name, factory) => {
  let idp: DevIdp;
  let store: SessionStore;
  let app: TestApp;
  let due: TestApp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: 300 });
    store = memoryStore();
    app = await startApp(idp, factory, { store });
    due = await startApp(idp, factory, { store: memoryStore(), refresh: { buffer: 1000 } });
  });
  afterAll(async () => {
    await app.close();
    await due.close();
    await idp.close();
  });

  const pointer = (jar: Jar) => readSession(jar) as Promise<Record<string, unknown>>;

  test('the cookie holds only a sealed reference; the tokens stay on the server', async () => {
    const jar = new Jar();
    const done = await app.signIn(jar);
    const cookie = setCookies(done).find((c) => c.startsWith('sessionkit='))!;
    expect(cookie.length).toBeLessThan(600);
    const ref = await pointer(jar);
    expect(Object.keys(ref).sort()).toEqual(['ref', 'v']);
    const record = await store.get(ref.ref as string);
    expect(record?.refreshToken).toBeDefined();
    const me = await app.get('/me', jar);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { email: 'alice@example.com' }, organizationId: 'org_acme' });
    expect(me.body.accessToken).toBe(record?.accessToken);
  });

  test('a due session is refreshed once for 30 concurrent requests, and the store holds the result', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const cookie = jar.header();
    const { ref } = await pointer(jar);
    const record = (await store.get(ref as string))!;
    // the access token is about to expire (inside the 60 s buffer)
    await store.set(ref as string, { ...record, expiresAt: Math.floor(Date.now() / 1000) + 10 }, 3600);
    idp.resetCounts();
    const responses = await Promise.all(Array.from({ length: 30 }, () => app.get('/me', undefined, { Cookie: cookie })));
    expect(responses.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(idp.counts.refreshGrants).toBe(1);
    expect(idp.counts.grantsRevoked).toBe(0);
    expect(new Set(responses.map((r) => r.body.accessToken)).size).toBe(1);
    const stored = (await store.get(ref as string))!;
    expect(stored.accessToken).toBe(responses[0].body.accessToken);
    expect(stored.refreshToken).not.toBe(record.refreshToken);
    // later requests with the same cookie use the stored, fresh session: no more grants
    expect((await app.get('/me', undefined, { Cookie: cookie })).status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(1);
  });

  test('with every token inside the refresh window, requests refresh from the stored session and never reuse a spent token', async () => {
    const jar = new Jar();
    await due.signIn(jar);
    idp.resetCounts();
    for (let i = 0; i < 3; i++) expect((await due.get('/me', jar)).status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(3);
    expect(idp.counts.refreshTokenReuses).toBe(0);
    expect(idp.counts.grantsRevoked).toBe(0);
  });

  test('logout forgets the stored session: the old cookie is signed out', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const copy = jar.clone();
    const { ref } = await pointer(jar);
    await app.send('POST', '/logout', jar);
    expect(await store.get(ref as string)).toBeUndefined();
    const replay = await app.get('/public', copy);
    expect(replay.body.isAuthenticated).toBe(false);
    expect(setCookies(replay).some((c) => /^sessionkit=;.*Max-Age=0/.test(c))).toBe(true);
  });

  test('a session that disappeared from the store is a signed-out request, never a 5xx', async () => {
    const jar = new Jar();
    await app.signIn(jar);
    const { ref } = await pointer(jar);
    await store.destroy(ref as string);
    const res = await app.get('/me', jar, { Accept: 'application/json' });
    expect(res.status).toBe(401);
    expect(jar.sessionNames()).toEqual([]);
  });
});

describe.each(FRAMEWORKS)('a store that cannot be read, on %s', (_name, factory) => {
  test('is an outage, not a sign-out: the request goes on signed out, the cookie is kept, then it works again', async () => {
    const idp = await startDevIdp({ accessTokenTTL: 300 });
    const inner = memoryStore();
    let down = false;
    const flaky: SessionStore = {
      get: (id) => (down ? Promise.reject(new Error('connection refused')) : inner.get(id)),
      set: (id, record, ttl) => inner.set(id, record, ttl),
      destroy: (id) => inner.destroy(id),
    };
    const app = await startApp(idp, factory, { store: flaky });
    try {
      const jar = new Jar();
      await app.signIn(jar);
      down = true;
      const during = await app.get('/public', jar);
      expect(during.status).toBe(200);
      expect(during.body.isAuthenticated).toBe(false);
      expect(setCookies(during).filter((c) => c.startsWith('sessionkit'))).toEqual([]);
      expect((await app.get('/me', jar)).status).toBe(401);
      down = false;
      expect((await app.get('/me', jar)).status).toBe(200);
    } finally {
      await app.close();
      await idp.close();
    }
  });
});
