/**
 * sessionkit/redis in one test process: two instances (an Express app and a Koa app, each with its
 * own ioredis client, as two servers would have) on one real redis-server and the real dev
 * provider, in both modes (cookie sessions with redisCoordinator, server-side redisStore).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { redisCoordinator, redisStore, type RedisCoordinator, type RedisSessionStore } from '../../lib/redis.js';
import { expressApp, koaApp } from '../helpers/apps.js';
import { Jar, logText, startApp, startDevIdp, type DevIdp, type TestApp, clientSecretOf } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';
import { startRedis, type RedisServer } from './redis-server.js';

const TTL = 300;
const BACKCHANNEL = { 'http://schemas.openid.net/event/backchannel-logout': {} };
const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };

type Mode = 'cookie + redisCoordinator' | 'redisStore';
const MODES: Mode[] = ['cookie + redisCoordinator', 'redisStore'];

describe.each(MODES)('two instances on one Redis (%s)', (mode) => {
  let idp: DevIdp;
  let redis: RedisServer;
  const clients: Redis[] = [];
  const shared: (RedisCoordinator | RedisSessionStore)[] = [];
  let a: TestApp; // Express
  let b: TestApp; // Koa
  let clientId: string;

  /** The options of one instance: its own client, the shared Redis. */
  function instanceOptions(): Record<string, unknown> {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100, lazyConnect: false });
    clients.push(client);
    if (mode === 'redisStore') {
      const store = redisStore({ client, prefix: 'test:', lockTtl: 1000 });
      shared.push(store);
      return { store };
    }
    const coordinator = redisCoordinator({ client, prefix: 'test:', lockTtl: 1000 });
    shared.push(coordinator);
    return { coordinator };
  }

  beforeAll(async () => {
    redis = await startRedis();
    idp = await startDevIdp({ accessTokenTTL: TTL });
    // every request is inside the refresh window (buffer > TTL)
    a = await startApp(idp, expressApp, { refresh: { buffer: TTL + 600 }, ...instanceOptions() });
    clientId = a.clientId;
    const secret = clientSecretOf(clientId);
    b = await startApp(idp, koaApp, { clientId, clientSecret: secret, refresh: { buffer: TTL + 600 }, ...instanceOptions() });
    await Promise.all(shared.map((s) => ('start' in s ? s.start() : s.coordinator.start())));
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await Promise.all(shared.map((s) => s.close()));
    for (const client of clients) client.disconnect();
    await idp.close();
    await redis.close();
  });

  /** The session record behind `jar` (the cookie itself, or the store's record it refers to). */
  async function recordOf(jar: Jar): Promise<any> {
    if (mode !== 'redisStore') return readSession(jar);
    const { ref } = (await readSession(jar)) as { ref: string };
    return (shared[0] as RedisSessionStore).get(ref);
  }

  test('a storm of concurrent requests over both instances on one expiring session: exactly one refresh grant, no failure, the grant intact', async () => {
    const jar = new Jar();
    await a.signIn(jar);
    const cookie = jar.header();
    const before = await recordOf(jar);
    idp.resetCounts();
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? b : a).get('/me', undefined, { Cookie: cookie })));
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    expect(idp.counts.refreshGrants).toBe(1);
    const tokens = new Set(responses.map((r) => r.body.accessToken));
    expect(tokens.size).toBe(1);
    expect(tokens.has(before.accessToken)).toBe(false);
    // the grant is intact: the rotated session refreshes again on either instance
    const next = new Jar();
    next.take(responses[1].headers['set-cookie'] as unknown as string[]);
    if (!next.sessionNames().length) next.take(responses[0].headers['set-cookie'] as unknown as string[]);
    const again = await b.get('/me', next.sessionNames().length ? next : jar);
    expect(again.status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(2);
    expect(logText(a) + logText(b)).not.toContain(before.refreshToken);
  });

  test('a grant slower than the lock expiry: the live holder keeps the lock, the other instance waits for its result (one grant)', async () => {
    const jar = new Jar();
    await a.signIn(jar);
    const cookie = jar.header();
    idp.resetCounts();
    // the provider grants at once but its answer takes 2.5 s (lockTtl is 1 s here)
    idp.setFault({ rewrite: async (body) => (await new Promise((r) => setTimeout(r, 2500)), body) }, ['/token']);
    try {
      const holder = a.get('/me', undefined, { Cookie: cookie });
      await new Promise((r) => setTimeout(r, 200));
      const waiters = Array.from({ length: 6 }, () => b.get('/me', undefined, { Cookie: cookie }));
      const responses = await Promise.all([holder, ...waiters]);
      expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
      expect(idp.counts.refreshGrants).toBe(1);
      expect(idp.counts.refreshTokenReuses).toBe(0);
      expect(new Set(responses.map((r) => r.body.accessToken)).size).toBe(1);
    } finally {
      idp.setFault(null);
    }
  });

  test('Redis slow (every client paused past the command timeout) while a session is due: no refresh token spent without the lock, nobody signed out, one grant once Redis answers', async () => {
    const jar = new Jar();
    await a.signIn(jar);
    // both instances know the session (with a store, an instance reads it from Redis otherwise)
    for (const app of [a, b]) expect((await app.get('/me', jar)).status).toBe(200);
    const cookie = jar.header();
    const before = await recordOf(jar);
    idp.resetCounts();
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      // Redis is up (the connections stay ready) but answers nothing for 1.5 s: past the 1 s
      // command timeout, the lock cannot be had or refused. The access token is still valid.
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? b : a).get('/me', undefined, { Cookie: cookie })));
      expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
      expect(idp.counts.refreshTokenReuses).toBe(0);
      expect(idp.counts.refreshGrants).toBe(0);
      expect(new Set(responses.map((r) => r.body.accessToken))).toEqual(new Set([before.accessToken]));
      await admin.ping(); // answered once the pause is over
      const after = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? b : a).get('/me', undefined, { Cookie: cookie })));
      expect(after.map((r) => r.status)).toEqual(after.map(() => 200));
      expect(idp.counts.refreshGrants).toBe(1);
      expect(idp.counts.refreshTokenReuses).toBe(0);
    } finally {
      admin.disconnect();
    }
  });

  test('a logout on one instance is refused on the other within a second', async () => {
    const jar = new Jar();
    await a.signIn(jar);
    const copy = jar.clone();
    expect((await b.get('/me', copy)).status).toBe(200);
    await a.send('POST', '/logout', jar, { headers: SAME_ORIGIN });
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 1000) {
      status = (await b.get('/me', copy.clone(), { Accept: 'application/json' })).status;
    }
    const delay = Date.now() - started;
    expect(status).toBe(401);
    expect(delay).toBeLessThan(1000);
    process.stdout.write(`[${mode}] logout seen on the other instance after ${delay} ms\n`);
  });

  test('a back-channel logout on one instance ends the session on the other', async () => {
    const jar = new Jar();
    await a.signIn(jar);
    const { sid } = await recordOf(jar);
    expect(sid).toBeTruthy();
    expect((await a.get('/me', jar.clone())).status).toBe(200);
    expect((await b.get('/me', jar.clone())).status).toBe(200);
    const token = await idp.signJwt({ iss: idp.issuer, aud: clientId, iat: Math.floor(Date.now() / 1000), jti: `jti-${mode}`, sid, events: BACKCHANNEL });
    const started = Date.now();
    expect((await b.send('POST', '/backchannel-logout', undefined, { form: { logout_token: token } })).status).toBe(200);
    let status = 200;
    while (status === 200 && Date.now() - started < 1000) status = (await a.get('/me', jar.clone(), { Accept: 'application/json' })).status;
    expect(status).toBe(401);
    process.stdout.write(`[${mode}] back-channel logout seen on the other instance after ${Date.now() - started} ms\n`);
  });

  test('a key remembered on one instance (a logout token\'s jti) is a replay on every instance', async () => {
    const [one, two] = shared.map((s) => ('coordinator' in s ? s.coordinator : s));
    const key = `jti:${mode}:${Date.now()}`;
    expect(await one.remember(key, 60)).toBe(true);
    expect(await two.remember(key, 60)).toBe(false);
    expect(await one.remember(key, 60)).toBe(false);
    expect(await two.remember(`${key}:other`, 60)).toBe(true);
  });

  (mode === 'redisStore' ? test : test.skip)('the store never writes older tokens over newer ones (atomic compare-and-set on expiresAt), and the other instance sees the newest', async () => {
    const [one, two] = shared as RedisSessionStore[];
    const jar = new Jar();
    await a.signIn(jar);
    const record = await recordOf(jar);
    const newer = { ...record, accessToken: `${record.accessToken}`, expiresAt: record.expiresAt + 100 };
    expect(await one.setIfNewer(record.id, newer, 600)).toBeUndefined();
    // a slow request comes back with the older tokens: the newer ones stay, and it is told them
    const kept = await two.setIfNewer(record.id, { ...record, expiresAt: record.expiresAt - 100 }, 600);
    expect(kept?.expiresAt).toBe(newer.expiresAt);
    await new Promise((r) => setTimeout(r, 50));
    expect((await one.get(record.id))?.expiresAt).toBe(newer.expiresAt);
    expect((await two.get(record.id))?.expiresAt).toBe(newer.expiresAt);
  });

  test('Redis stopped and restarted: nobody is logged out, no refresh token spent without the lock, an end made during the outage is not undone', async () => {
    const keep = new Jar();
    const end = new Jar();
    await a.signIn(keep);
    await a.signIn(end);
    // both instances have seen both sessions; A wrote them last
    for (const jar of [keep, end]) for (const app of [b, a]) expect((await app.get('/me', jar)).status).toBe(200);
    await redis.stop();
    const warnings = () => [...a.events.logs, ...b.events.logs].filter((l) => /Redis is unavailable/.test(l.msg ?? '')).length;
    // during the outage: sessions keep working, checked in-process. Cookie sessions on either
    // instance; a stored session where it was last written. Their access tokens are still valid,
    // so no refresh token is spent without the lock (the refresh waits for Redis).
    idp.resetCounts();
    const during = mode === 'redisStore' ? [a] : [a, b];
    for (let i = 0; i < 3; i++) {
      for (const app of during) {
        const res = await app.get('/me', keep);
        expect([res.status, res.status === 200 ? '' : res.text]).toEqual([200, '']);
      }
    }
    expect(idp.counts.refreshGrants).toBe(0);
    await a.send('POST', '/logout', end, { headers: SAME_ORIGIN });
    const copyOfEnded = end.clone();
    const logged = warnings();
    expect(logged).toBeGreaterThanOrEqual(1);
    expect(logged).toBeLessThanOrEqual(2); // once per outage, per instance
    await redis.start();
    // back: the instances reconnect by themselves
    const started = Date.now();
    while (!shared.every((s) => s.available) && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
    expect((await a.get('/me', keep)).status).toBe(200);
    expect((await b.get('/me', keep)).status).toBe(200);
    expect(warnings()).toBe(logged);
    // the end recorded on A during the outage reached Redis, and B refuses the ended session
    let status = 0;
    const seen = Date.now();
    while (status !== 401 && Date.now() - seen < 2000) status = (await b.get('/me', copyOfEnded.clone(), { Accept: 'application/json' })).status;
    expect(status).toBe(401);
    expect((await a.get('/me', copyOfEnded.clone(), { Accept: 'application/json' })).status).toBe(401);
  }, 30_000);
});
