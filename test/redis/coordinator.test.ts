/**
 * redisCoordinator on its own, on a real redis-server: what it does when Redis cannot answer in
 * time (every client paused past the command timeout) and when this process itself stalls.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { RefreshError } from '../../lib/errors.js';
import { redisCoordinator, type RedisCoordinator } from '../../lib/redis.js';
import { refreshKey } from '../../lib/core/coordinator.js';
import { startRedis, type RedisServer } from './redis-server.js';

describe('redisCoordinator when Redis or this process is slow', () => {
  let redis: RedisServer;
  let client: Redis;
  let admin: Redis;
  let coordinator: RedisCoordinator;
  const logs: { level: string; msg: string }[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    coordinator = redisCoordinator({ client, prefix: 'slow:', commandTimeout: 200 });
    const log = (level: string) => (_obj: object, msg: string) => void logs.push({ level, msg });
    coordinator.attach({
      seal: async (data) => JSON.stringify(data),
      unseal: async (sealed) => JSON.parse(sealed),
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    });
    await coordinator.start();
  });

  afterAll(async () => {
    await coordinator.close();
    client.disconnect();
    admin.disconnect();
    await redis.close();
  });

  /** Pause every client for `ms` (Redis up, answering nothing). */
  async function pause(ms: number): Promise<void> {
    await admin.call('CLIENT', 'PAUSE', String(ms), 'ALL');
  }

  const seconds = () => Date.now() / 1000;
  const tokens = (n: number) => ({ accessToken: `at-${n}`, refreshToken: `rt-${n}`, expiresAt: Math.floor(seconds()) + 300 });

  test('a command whose reply waited in the socket while this process was stalled past the timeout is not a timeout', async () => {
    await client.set('slow:probe', 'here');
    const reply = coordinator.command(client.get('slow:probe'));
    const until = Date.now() + 400; // twice the command timeout, the event loop blocked
    while (Date.now() < until);
    await expect(reply).resolves.toBe('here');
  });

  test('a command Redis does not answer within the timeout is one', async () => {
    await pause(600);
    await expect(coordinator.command(client.get('slow:probe'))).rejects.toThrow(/timed out/);
    await admin.ping();
  });

  test('Redis not answering and the access token still valid: the refresh token is not spent; the refresh fails as transient', async () => {
    let grants = 0;
    await pause(600);
    const outcome = coordinator.coordinate(refreshKey('rt-valid'), null, async () => (grants++, tokens(1)), { buffer: 60, expiresAt: seconds() + 30 });
    const error = await outcome.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshError);
    expect((error as RefreshError).isTransient).toBe(true);
    expect(grants).toBe(0);
    expect(logs.some((l) => l.level === 'debug' && /deferred/.test(l.msg))).toBe(true);
    await admin.ping();
    // Redis answers again: the next request refreshes, once, under the lock
    const next = await coordinator.coordinate(refreshKey('rt-valid'), null, async () => (grants++, tokens(2)), { buffer: 60, expiresAt: seconds() + 30 });
    expect([next.source, next.tokens.accessToken, grants]).toEqual(['grant', 'at-2', 1]);
  });

  test('Redis not answering and the access token expired: refreshed by this process alone (nothing else can serve the request)', async () => {
    let grants = 0;
    await pause(600);
    const outcome = await coordinator.coordinate(refreshKey('rt-expired'), null, async () => (grants++, tokens(3)), { buffer: 60, expiresAt: seconds() - 1 });
    expect([outcome.source, outcome.tokens.accessToken, grants]).toEqual(['grant', 'at-3', 1]);
    await admin.ping();
  });

  test('Redis lost while waiting for another instance that holds the lock: even an expired token is not spent here too', async () => {
    // Instance B (its own connection) waits on A's lock; B's connection drops before A is done.
    const otherClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const other = redisCoordinator({ client: otherClient, prefix: 'slow:', commandTimeout: 200, pollInterval: 50 });
    other.attach({ seal: async (data) => JSON.stringify(data), unseal: async (sealed) => JSON.parse(sealed), logger: { debug() {}, info() {}, warn() {}, error() {} } });
    await other.start();
    let grants = 0;
    let finishA!: () => void;
    const aMayFinish = new Promise<void>((resolve) => (finishA = resolve));
    const key = refreshKey('rt-contended');
    const a = coordinator.coordinate(key, null, async () => (grants++, await aMayFinish, tokens(4)), { buffer: 60, expiresAt: seconds() - 1 });
    await new Promise((resolve) => setTimeout(resolve, 50)); // A holds the lock
    const b = other.coordinate(key, null, async () => (grants++, tokens(5)), { buffer: 60, expiresAt: seconds() - 1 }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 120)); // B found the lock taken and waits
    otherClient.disconnect();
    const error = await b;
    expect(error).toBeInstanceOf(RefreshError);
    expect((error as RefreshError).isTransient).toBe(true);
    finishA();
    expect((await a).tokens.accessToken).toBe('at-4');
    expect(grants).toBe(1);
    await other.close();
  });

  test('a grant that finishes between another instance reading the memo and taking the lock: that instance uses the memo, the token is spent once', async () => {
    // B reads the memo (none yet), then stalls before its SET NX; A takes the lock, refreshes,
    // writes the memo and frees the lock; only then does B's SET run, and win. Seen once in a CI
    // run of the four-instance storm (redisStore): B spent the rotated token again, invalid_grant.
    const otherClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    let releaseLockSet!: () => void;
    const lockSetMayRun = new Promise<void>((resolve) => (releaseLockSet = resolve));
    let lockSetHeld!: () => void;
    const lockSetReached = new Promise<void>((resolve) => (lockSetHeld = resolve));
    const stalling = new Proxy(otherClient, {
      get(target, name, receiver) {
        if (name !== 'set') return Reflect.get(target, name, receiver);
        return async (...args: unknown[]) => {
          if (args.includes('NX')) {
            lockSetHeld();
            await lockSetMayRun;
          }
          return (target.set as (...a: unknown[]) => Promise<unknown>)(...args);
        };
      },
    });
    const other = redisCoordinator({ client: stalling, prefix: 'slow:', commandTimeout: 5_000, pollInterval: 50 });
    other.attach({ seal: async (data) => JSON.stringify(data), unseal: async (sealed) => JSON.parse(sealed), logger: { debug() {}, info() {}, warn() {}, error() {} } });
    await other.start();
    let grants = 0;
    const key = refreshKey('rt-memo-race');
    const b = other.coordinate(key, null, async () => (grants++, tokens(8)), { buffer: 60, expiresAt: seconds() + 30 });
    await lockSetReached; // B read no memo and is about to take the lock
    const a = await coordinator.coordinate(key, null, async () => (grants++, tokens(7)), { buffer: 60, expiresAt: seconds() + 30 });
    expect(a.source).toBe('grant');
    expect(await admin.exists(`slow:{r:${key}}:lock`)).toBe(0); // A is done and freed its lock
    releaseLockSet();
    const outcome = await b;
    expect(grants).toBe(1);
    expect(outcome.tokens.accessToken).toBe('at-7');
    expect(await admin.exists(`slow:{r:${key}}:lock`)).toBe(0); // B freed the lock it won
    await other.close();
    otherClient.disconnect();
  });

  test('a lock Redis takes only after its command timed out is freed, not left for every instance to wait on', async () => {
    let grants = 0;
    const key = refreshKey('rt-late-lock');
    await admin.call('CLIENT', 'PAUSE', '600', 'WRITE'); // reads answer, the lock's SET waits
    const error = await coordinator.coordinate(key, null, async () => (grants++, tokens(6)), { buffer: 60, expiresAt: seconds() + 30 }).catch((e: unknown) => e);
    expect((error as RefreshError).isTransient).toBe(true);
    expect(grants).toBe(0);
    await admin.call('CLIENT', 'UNPAUSE');
    await client.ping(); // after the queued SET and its release
    expect(await admin.exists(`slow:{r:${key}}:lock`)).toBe(0);
  });
});
