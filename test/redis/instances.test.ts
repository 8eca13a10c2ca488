/**
 * Four app processes (two Express, two Koa, each a child process on the built package) sharing one
 * real redis-server and one dev provider, in both modes: cookie sessions with redisCoordinator,
 * and server-side sessions in redisStore. Needs `npm run build` first (`npm test` does it).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import request from 'supertest';
import { webClient } from '../../examples/dev-idp/index.js';
import { loginAtProvider } from '../../examples/dev-idp/http-login.js';
import { ALICE, Jar, PASSWORD, setCookies, startDevIdp, type DevIdp, clientSecretOf } from '../helpers/harness.js';
import { readSession, writeSession, seal, unseal } from '../helpers/tamper.js';
import { freePort, startRedis, type RedisServer } from './redis-server.js';

const TTL = 300;
const SCRIPT = fileURLToPath(new URL('./fixtures/instance.mjs', import.meta.url));
const BACKCHANNEL = { 'http://schemas.openid.net/event/backchannel-logout': {} };
const JSON_ONLY = { Accept: 'application/json' };

interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
}

/** Start one app process; resolves once it listens. */
async function spawnInstance(name: string, framework: 'express' | 'koa', env: Record<string, string>, at?: number): Promise<Instance> {
  const port = at ?? (await freePort());
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', SCRIPT], {
    env: { ...process.env, NODE_OPTIONS: '', ...env, NAME: name, FRAMEWORK: framework, PORT: String(port), BASE_URL: env.BASE_URL ?? `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => void (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${err}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (/listening/.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}): ${err}`));
    });
  });
  return { name, url: `http://127.0.0.1:${port}`, child };
}

function stopInstance(instance: Instance): Promise<void> {
  return new Promise((resolve) => {
    if (instance.child.exitCode !== null || instance.child.signalCode !== null) return resolve();
    instance.child.once('exit', () => resolve());
    instance.child.kill('SIGTERM');
  });
}

/** A request to `instance` with `jar`'s cookies; its Set-Cookie goes back into `jar`. */
async function get(instance: Instance, path: string, jar?: Jar, headers: Record<string, string> = {}) {
  let req = request(instance.url).get(path).redirects(0);
  if (jar?.size) req = req.set('Cookie', jar.header());
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  const res = await req;
  jar?.take(setCookies(res));
  return res;
}

async function signIn(instance: Instance, jar: Jar) {
  const start = await get(instance, '/login', jar);
  expect(start.status).toBe(302);
  const { callbackUrl } = await loginAtProvider(start.headers.location, ALICE);
  const back = new URL(callbackUrl);
  const done = await get(instance, back.pathname + back.search, jar);
  expect(done.status).toBe(302);
}

/** Poll until `check` is true (or `ms` passed); the time it took, ms. */
async function until(check: () => Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

describe.each([['cookie + redisCoordinator', 'cookie'], ['redisStore', 'store']])('four app processes on one Redis (%s)', (_label, mode) => {
  let idp: DevIdp;
  let redis: RedisServer;
  let inspect: Redis;
  let apps: Instance[] = [];
  const spare: Instance[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis();
    inspect = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    idp = await startDevIdp({ accessTokenTTL: TTL });
    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}`;
    const clientId = `multi-${mode}-${port}`;
    const clientSecret = clientSecretOf(clientId);
    await idp.addClient(webClient({ clientId, clientSecret, baseURL }));
    env = { ISSUER: idp.issuer, CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, PASSWORD, REDIS_URL: redis.url, MODE: mode, BUFFER: '60', LOCK_TTL: '2000' };
    // instance 0 signs users in (its address is the registered redirect URI); all share the client
    apps = await Promise.all([
      spawnInstance('express-0', 'express', { ...env, BASE_URL: baseURL }, port),
      spawnInstance('koa-1', 'koa', env),
      spawnInstance('express-2', 'express', env),
      spawnInstance('koa-3', 'koa', env),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...apps, ...spare].map(stopInstance));
    inspect?.disconnect();
    await idp?.close();
    await redis?.close();
  });

  /**
   * Make the session behind `jar` expire within the refresh buffer (60 s), as time would: in the
   * cookie, or in Redis (and the instances' caches told, as a write by an instance would).
   */
  async function expireSoon(jar: Jar): Promise<void> {
    // Due for refresh, yet 40 s from expiry: a suite slowed by a full run (a process spawned, a
    // lock left by a killed instance) must not see the token expire before the refresh is done.
    const expiresAt = Math.floor(Date.now() / 1000) + 40;
    if (mode === 'cookie') return writeSession(jar, { ...(await readSession(jar)), expiresAt });
    const { ref } = (await readSession(jar)) as { ref: string };
    const key = `multi:{s:${ref}}`;
    const record = (await unseal((await inspect.hget(key, 'd'))!, PASSWORD, 0)) as Record<string, unknown>;
    await inspect.hset(key, 'e', expiresAt, 'd', await seal({ ...record, expiresAt }, PASSWORD, 0));
    await inspect.publish('multi:events', JSON.stringify({ t: 'store', id: ref, from: 'test' }));
    await new Promise((r) => setTimeout(r, 50));
  }

  /** The provider session id of the session behind `jar`. */
  async function sidOf(jar: Jar): Promise<string> {
    if (mode === 'cookie') return (await readSession(jar)).sid;
    const { ref } = (await readSession(jar)) as { ref: string };
    const sealed = await inspect.hget(`multi:{s:${ref}}`, 'd');
    return ((await unseal(sealed!, PASSWORD, 0)) as { sid: string }).sid;
  }

  test('a storm of concurrent requests spread over four instances on one expiring session: one refresh grant, no failure, the grant intact', async () => {
    const jar = new Jar();
    await signIn(apps[0], jar);
    await expireSoon(jar);
    const cookie = jar.header();
    idp.resetCounts();
    const started = Date.now();
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => get(apps[i % 4], '/me', undefined, { Cookie: cookie })));
    const elapsed = Date.now() - started;
    const failed = responses.findIndex((r) => r.status !== 200);
    if (failed >= 0) process.stdout.write(`storm failure on ${apps[failed % 4].name}: ${JSON.stringify((await get(apps[failed % 4], '/logs')).body)}\n`);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    expect(idp.counts.refreshGrants).toBe(1);
    expect(new Set(responses.map((r) => r.body.accessToken)).size).toBe(1);
    expect(new Set(responses.map((r) => r.body.instance)).size).toBe(4);
    // the grant is intact: the rotated session refreshes again, on another instance
    const next = new Jar();
    next.take(setCookies(responses.find((r) => setCookies(r).length)!));
    await expireSoon(next);
    expect((await get(apps[3], '/me', next)).status).toBe(200);
    expect(idp.counts.refreshGrants).toBe(2);
    process.stdout.write(`[${mode}] storm: 60 requests over 4 instances, ${idp.counts.refreshGrants - 1} grant, ${elapsed} ms\n`);
  });

  test('an instance killed (SIGKILL) while it holds the refresh lock: the session still refreshes once', async () => {
    const jar = new Jar();
    await signIn(apps[0], jar);
    await expireSoon(jar);
    const cookie = jar.header();
    idp.resetCounts();
    idp.setFault({ hang: true }, ['/token']);
    const victim = await spawnInstance('victim', 'express', env);
    spare.push(victim);
    const doomed = get(victim, '/me', undefined, { Cookie: cookie }).catch(() => null);
    await idp.waitForHangingRequests(1);
    victim.child.kill('SIGKILL');
    await doomed;
    idp.setFault(null); // the held request is answered 503: no grant
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => get(apps[i % 4], '/me', undefined, { Cookie: cookie })));
    const failed = responses.findIndex((r) => r.status !== 200);
    if (failed >= 0) process.stdout.write(`failure on ${apps[failed % 4].name}: ${JSON.stringify((await get(apps[failed % 4], '/logs')).body)}\n`);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    expect(idp.counts.refreshGrants).toBe(1);
    expect(new Set(responses.map((r) => r.body.accessToken)).size).toBe(1);
  }, 30_000);

  test('logout and back-channel logout on one instance: refused on all four within a second', async () => {
    const jar = new Jar();
    await signIn(apps[0], jar);
    for (const app of apps) expect((await get(app, '/me', jar)).status).toBe(200);
    const copy = jar.clone();
    const out = await request(apps[2].url).post('/logout').set('Cookie', jar.header()).set('Sec-Fetch-Site', 'same-origin');
    expect(out.status).toBeLessThan(400);
    const delays = await Promise.all(apps.map((app) => until(async () => (await get(app, '/me', copy.clone(), JSON_ONLY)).status === 401, 1000)));
    process.stdout.write(`[${mode}] logout refused on all instances after ${Math.max(...delays)} ms\n`);

    const other = new Jar();
    await signIn(apps[0], other);
    for (const app of apps) expect((await get(app, '/me', other)).status).toBe(200);
    const sid = await sidOf(other);
    const token = await idp.signJwt({ iss: idp.issuer, aud: env.CLIENT_ID, iat: Math.floor(Date.now() / 1000), jti: `bc-${mode}`, sid, events: BACKCHANNEL });
    const posted = await request(apps[1].url).post('/backchannel-logout').type('form').send({ logout_token: token });
    expect(posted.status).toBe(200);
    const bcDelays = await Promise.all(apps.map((app) => until(async () => (await get(app, '/me', other.clone(), JSON_ONLY)).status === 401, 1000)));
    process.stdout.write(`[${mode}] back-channel logout refused on all instances after ${Math.max(...bcDelays)} ms\n`);
  });

  test('Redis stopped and restarted mid-test: no session lost, no wrongful logout', async () => {
    const jar = new Jar();
    const ended = new Jar();
    await signIn(apps[0], jar);
    await signIn(apps[0], ended);
    for (const app of [...apps.slice(1), apps[0]]) expect((await get(app, '/me', jar)).status).toBe(200);
    for (const app of [...apps.slice(1), apps[0]]) expect((await get(app, '/me', ended)).status).toBe(200);
    await redis.stop();
    // every instance keeps serving the session it knows (the cookie, or its cached record)
    for (let i = 0; i < 2; i++) for (const app of apps) expect((await get(app, '/me', jar)).status).toBe(200);
    // a logout during the outage, on instance 1
    const copy = ended.clone();
    const out = await request(apps[1].url).post('/logout').set('Cookie', ended.header()).set('Sec-Fetch-Site', 'same-origin');
    expect(out.status).toBeLessThan(400);
    await redis.start();
    // every instance reconnects by itself, and said once that Redis was down and once that it is back
    for (const app of apps) await until(async () => (await get(app, '/redis')).body.available === true, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const said = JSON.stringify((await get(apps[0], '/logs')).body);
    expect(said.split('Redis is unavailable').length - 1).toBe(1);
    expect(said.split('Redis is back').length - 1).toBe(1);
    for (const app of apps) {
      const res = await get(app, '/me', jar, JSON_ONLY);
      expect([app.name, res.status]).toEqual([app.name, 200]);
    }
    // Redis coming back did not resurrect the session ended during the outage: refused everywhere
    for (const app of apps) await until(async () => (await get(app, '/me', copy.clone(), JSON_ONLY)).status === 401, 1000);
  }, 40_000);

  test('idle and absolute lifetimes hold across instances', async () => {
    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}`;
    const clientId = `life-${mode}-${port}`;
    const clientSecret = clientSecretOf(clientId);
    await idp.addClient(webClient({ clientId, clientSecret, baseURL }));
    const life = { ...env, CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, IDLE: '3', ABSOLUTE: '6' };
    const [l0, l1] = await Promise.all([spawnInstance('life-express', 'express', { ...life, BASE_URL: baseURL }, port), spawnInstance('life-koa', 'koa', { ...life, BASE_URL: baseURL })]);
    spare.push(l0, l1);
    // idle (3 s, whole seconds): active on alternating instances keeps it alive; 3 s without a request ends it on both
    const idle = new Jar();
    await signIn(l0, idle);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 1100));
      expect((await get(i % 2 ? l0 : l1, '/me', idle)).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 3100));
    expect((await get(l1, '/me', idle.clone(), JSON_ONLY)).status).toBe(401);
    expect((await get(l0, '/me', idle.clone(), JSON_ONLY)).status).toBe(401);
    // absolute: however active, no session outlives 6 s (whole seconds) on any instance
    const abs = new Jar();
    await signIn(l0, abs);
    const started = Date.now();
    let ended = 0;
    for (let i = 0; Date.now() - started < 8000; i++) {
      await new Promise((r) => setTimeout(r, 700));
      const status = (await get(i % 2 ? l0 : l1, '/me', abs, JSON_ONLY)).status;
      if (status === 401) {
        ended = Date.now() - started;
        break;
      }
    }
    expect(ended).toBeGreaterThan(4500);
    expect(ended).toBeLessThan(7500);
    expect((await get(l0, '/me', abs.clone(), JSON_ONLY)).status).toBe(401);
    expect((await get(l1, '/me', abs.clone(), JSON_ONLY)).status).toBe(401);
  }, 40_000);
});
