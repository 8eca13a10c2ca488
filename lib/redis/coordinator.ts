/**
 * Refresh coordination and revocation shared by every instance on one Redis.
 *
 * - Refresh: in-process single flight first (one Redis round trip per instance per refresh), then
 *   a per-refresh-token lock (`SET NX PX`, extended while its holder's grant runs). The winner runs the grant, stores the outcome sealed
 *   with the cookie password under the old token's hash for the memo's lifetime, and announces it
 *   on the channel; the others wait for the announcement (polling as the fallback) and never
 *   spend the old token. A crashed holder delays the others by at most the lock's expiry.
 * - Revocation: ended sessions go to two sorted sets (when, until) and onto the channel; every
 *   instance keeps the list in memory, reloads it from Redis on (re)connect and merges, so
 *   `endedAt()` stays synchronous and a local end is never forgotten.
 * - Redis unavailable: coordination falls back to this process, logged once per outage.
 *
 * Keys (Cluster: one hash tag per refresh token, one for the ended list, one per remembered key):
 * `<prefix>{r:<hash>}:lock`, `<prefix>{r:<hash>}:memo`, `<prefix>{ended}:at`, `<prefix>{ended}:until`,
 * `<prefix>{seen:<key>}`; the channel `<prefix>events`.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { isMemoFresh, LocalFlights, MemoryCoordinator, type CoordinateOptions, type CoordinatorContext, type RefreshCoordinator, type RefreshOutcome, type TokenRecord } from '../core/coordinator.js';
import { ConfigError, RefreshError, StoreUnavailableError } from '../errors.js';
import type { Logger } from '../types/session.js';
import type { RedisClientLike, RedisOptions } from './client.js';

/** Release the lock only when it is still ours. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** Extend the lock while its holder is alive (a slow grant keeps it; a crashed holder does not). */
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;

/** Record ended sessions: keep the latest end and the latest expiry of each key, drop what expired. */
const END = `
local now = tonumber(ARGV[1])
local at = tonumber(ARGV[2])
local untilAt = tonumber(ARGV[3])
for i = 4, #ARGV do
  local k = ARGV[i]
  local cur = redis.call('zscore', KEYS[1], k)
  if not cur or tonumber(cur) < at then redis.call('zadd', KEYS[1], at, k) end
  local curUntil = redis.call('zscore', KEYS[2], k)
  if not curUntil or tonumber(curUntil) < untilAt then redis.call('zadd', KEYS[2], untilAt, k) end
end
local gone = redis.call('zrangebyscore', KEYS[2], '-inf', now)
for _, k in ipairs(gone) do redis.call('zrem', KEYS[1], k) end
redis.call('zremrangebyscore', KEYS[2], '-inf', now)
return 1`;

/** A message on the channel. */
type Message = { t: 'end'; keys: string[]; at: number; until: number } | { t: 'memo'; key: string } | { t: 'store'; id: string; from: string };

/**
 * The Redis {@link RefreshCoordinator}. Create with {@link redisCoordinator}; call {@link close}
 * on shutdown (it closes the subscriber connection it opened, never the application's client).
 */
export class RedisCoordinator implements RefreshCoordinator {
  /** The application's client. */
  readonly client: RedisClientLike;
  /** Key prefix. */
  readonly prefix: string;
  /** This instance's name on the channel (its own messages are skipped). */
  readonly instance = randomBytes(6).toString('base64url');
  readonly #lockTtl: number;
  readonly #memoTtl: number;
  readonly #poll: number;
  readonly #timeout: number;
  /** In-process fallback, and the in-memory ended list and remembered keys. */
  readonly #local: MemoryCoordinator;
  /** This instance's flights and memo, in front of Redis: one Redis round trip per refresh, not per request. */
  readonly #flights: LocalFlights;
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Ends recorded here while Redis was unavailable: written when it is back. */
  #pendingEnds: { keys: string[]; at: number; until: number }[] = [];
  readonly #listeners = new Set<(message: Message) => void>();
  readonly #reconnectListeners = new Set<() => void>();
  #subscriber: RedisClientLike | null = null;
  #context: CoordinatorContext | null = null;
  #down = false;
  #closed = false;
  #loaded: Promise<void> | null = null;

  constructor(options: RedisOptions) {
    if (!options || typeof options.client?.duplicate !== 'function' || typeof options.client?.eval !== 'function') {
      throw new ConfigError('client', undefined, 'must be an ioredis client (new Redis(url), Sentinel, or new Redis.Cluster(nodes)) for sessionkit/redis');
    }
    this.client = options.client;
    this.prefix = options.prefix ?? 'sessionkit:';
    this.#lockTtl = positive(options.lockTtl, 10_000, 'lockTtl');
    this.#memoTtl = positive(options.memoTtl, 10_000, 'memoTtl');
    this.#poll = positive(options.pollInterval, 200, 'pollInterval');
    this.#timeout = positive(options.commandTimeout, 1_000, 'commandTimeout');
    this.#local = new MemoryCoordinator({ memoTtl: this.#memoTtl });
    this.#flights = new LocalFlights({ memoTtl: this.#memoTtl });
  }

  /** The logger of the first attached middleware (console until then). */
  get #logger(): Logger {
    return this.#context?.logger ?? (console as unknown as Logger);
  }

  /** Called by each middleware before its first request: keeps seal/unseal and starts listening. */
  attach(context: CoordinatorContext): void {
    this.#context ??= context;
    this.start();
  }

  /** Open the subscriber connection and load the ended list (idempotent; `attach` calls it). */
  start(): Promise<void> {
    if (this.#loaded) return this.#loaded;
    const sub = this.client.duplicate();
    this.#subscriber = sub;
    sub.on('error', () => this.#outage());
    sub.on('message', (_channel: string, raw: string) => this.#receive(raw));
    sub.on('ready', () => void this.#onReady(sub));
    this.client.on('ready', () => void this.#resume());
    this.client.on('error', () => this.#outage());
    this.client.on('close', () => this.#outage());
    this.#loaded = new Promise<void>((resolve) => {
      const check = () => (sub.status === 'ready' ? resolve() : undefined);
      sub.on('ready', () => setImmediate(resolve));
      check();
      setTimeout(resolve, this.#timeout * 3).unref?.();
    });
    return this.#loaded;
  }

  /** Close the subscriber connection (the application's client is left open). */
  async close(): Promise<void> {
    this.#closed = true;
    const sub = this.#subscriber;
    this.#subscriber = null;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }

  /** Listen to the channel (the Redis store uses it for its cache). */
  listen(listener: (message: Message) => void, onReconnect?: () => void): void {
    this.#listeners.add(listener);
    if (onReconnect) this.#reconnectListeners.add(onReconnect);
  }

  /** Announce `message` to every instance (best effort). */
  async announce(message: Message): Promise<void> {
    if (this.client.status !== 'ready') return;
    await this.#cmd(this.client.publish(this.#channel, JSON.stringify(message))).catch(() => this.#outage());
  }

  /** Is Redis usable right now? */
  get available(): boolean {
    return !this.#closed && this.client.status === 'ready';
  }

  /** Run one Redis command, rejecting after the command timeout (for the Redis store). */
  command<T>(promise: Promise<T>): Promise<T> {
    return this.#cmd(promise);
  }

  /** Count Redis as unavailable (logged once per outage). */
  unavailable(): void {
    this.#outage();
  }

  #cmd<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError('sessionkit: a Redis command timed out')), this.#timeout);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /** Redis failed: log once per outage. */
  #outage(): void {
    // A late error from a command that failed while reconnecting: Redis is back already.
    if (this.#down || this.#closed || this.client.status === 'ready') return;
    this.#down = true;
    this.#logger.warn({}, 'sessionkit: Redis is unavailable; coordinating in this process until it is back');
  }

  async #resume(): Promise<void> {
    if (this.#closed) return;
    if (this.#down) {
      this.#down = false;
      this.#logger.info?.({}, 'sessionkit: Redis is back; coordinating across instances again');
    }
    const pending = this.#pendingEnds;
    this.#pendingEnds = [];
    for (const end of pending) await this.#writeEnd(end.keys, end.at, end.until);
  }

  async #onReady(sub: RedisClientLike): Promise<void> {
    try {
      await sub.subscribe(this.#channel);
      await this.#reload();
      for (const listener of this.#reconnectListeners) listener();
    } catch {
      this.#outage();
    }
  }

  get #channel(): string {
    return `${this.prefix}events`;
  }

  #receive(raw: string): void {
    let message: Message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (message?.t === 'end' && Array.isArray(message.keys)) {
      this.#local.endSessions(message.keys.map(String), Number(message.at), Math.max(1, Number(message.until) - Date.now() / 1000));
    } else if (message?.t === 'memo' && typeof message.key === 'string') {
      for (const wake of this.#waiters.get(message.key) ?? []) wake();
    }
    for (const listener of this.#listeners) listener(message);
  }

  /** Merge the ended list from Redis into memory (never forgets a local end: the latest wins). */
  async #reload(): Promise<void> {
    const [ats, untils] = await Promise.all([
      this.#cmd(this.client.zrange(`${this.prefix}{ended}:at`, 0, -1, 'WITHSCORES')),
      this.#cmd(this.client.zrange(`${this.prefix}{ended}:until`, 0, -1, 'WITHSCORES')),
    ]);
    const until = new Map<string, number>();
    for (let i = 0; i + 1 < untils.length; i += 2) until.set(untils[i], Number(untils[i + 1]));
    const now = Date.now() / 1000;
    for (let i = 0; i + 1 < ats.length; i += 2) {
      const left = (until.get(ats[i]) ?? 0) - now;
      if (left > 0) this.#local.endSessions([ats[i]], Number(ats[i + 1]), left);
    }
  }

  endSessions(keys: readonly string[], at: number, ttl: number): Promise<void> {
    // Seen here at once; the others within the channel's delay (or at their next reload).
    this.#local.endSessions(keys, at, ttl);
    return this.#writeEnd([...keys], at, Math.ceil(Date.now() / 1000 + ttl));
  }

  async #writeEnd(keys: string[], at: number, until: number): Promise<void> {
    if (!this.available) {
      this.#pendingEnds.push({ keys, at, until });
      this.#outage();
      return;
    }
    try {
      await this.#cmd(this.client.eval(END, 2, `${this.prefix}{ended}:at`, `${this.prefix}{ended}:until`, Math.floor(Date.now() / 1000), at, until, ...keys));
      await this.#cmd(this.client.publish(this.#channel, JSON.stringify({ t: 'end', keys, at, until } satisfies Message)));
    } catch {
      this.#pendingEnds.push({ keys, at, until });
      this.#outage();
    }
  }

  endedAt(keys: readonly string[]): number | undefined {
    return this.#local.endedAt(keys);
  }

  async remember(key: string, ttl: number): Promise<boolean> {
    const fresh = this.#local.remember(key, ttl);
    if (!this.available) {
      this.#outage();
      return fresh;
    }
    try {
      const set = await this.#cmd(this.client.set(`${this.prefix}{seen:${key}}`, '1', 'EX', Math.max(1, Math.ceil(ttl)), 'NX'));
      return set === 'OK' && fresh;
    } catch {
      this.#outage();
      return fresh;
    }
  }

  coordinate(key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome> {
    return this.#flights.run(key, options, () => this.#shared(key, target, refresh, options));
  }

  /** One instance's refresh of `key`, coordinated with the others through Redis. */
  async #shared(key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome> {
    const lock = `${this.prefix}{r:${key}}:lock`;
    const memo = `${this.prefix}{r:${key}}:memo`;
    const deadline = Date.now() + this.#lockTtl * 2 + 5_000;
    let stale: string | null = null;
    let waiting = false;
    while (true) {
      if (!this.available || !this.#context) {
        // Redis down (or not attached): this process coordinates alone. Never wait on Redis.
        if (!this.#context) return this.#grantLocally(key, target, refresh, options);
        this.#outage();
        return this.#grantLocally(key, target, refresh, options);
      }
      const owner = randomBytes(12).toString('base64url');
      let raw: string | null;
      let won = false;
      try {
        raw = await this.#cmd(this.client.get(memo));
        if (raw !== null && raw !== stale) {
          const outcome = await this.#open(raw);
          if (outcome && (waiting || isMemoFresh(key, outcome.tokens, options.buffer))) return { ...outcome, source: waiting ? 'joined' : 'memo' };
          stale = raw;
        }
        won = (await this.#cmd(this.client.set(lock, owner, 'PX', this.#lockTtl, 'NX'))) === 'OK';
      } catch {
        this.#outage();
        if (waiting) throw new RefreshError('Redis became unavailable while waiting for another instance to refresh', { isTransient: true });
        return this.#grantLocally(key, target, refresh, options);
      }
      if (won) return this.#grant(key, target, refresh, lock, memo, owner);
      // Another instance holds the lock: wait for its announcement, polling as the fallback.
      waiting = true;
      if (Date.now() > deadline) throw new RefreshError('another instance holds the refresh lock for too long', { isTransient: true });
      await this.#waitFor(key, this.#poll);
    }
  }

  async #grant(key: string, target: string | null, refresh: () => Promise<TokenRecord>, lock: string, memo: string, owner: string): Promise<RefreshOutcome> {
    let tokens: TokenRecord;
    const heartbeat = setInterval(() => {
      this.#cmd(this.client.eval(EXTEND, 1, lock, owner, this.#lockTtl)).catch(() => this.#outage());
    }, Math.max(50, Math.floor(this.#lockTtl / 3)));
    heartbeat.unref?.();
    try {
      tokens = await refresh();
    } catch (error) {
      await this.#cmd(this.client.eval(RELEASE, 1, lock, owner)).catch(() => this.#outage());
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
    const outcome: RefreshOutcome = { tokens, target, source: 'grant' };
    try {
      const sealed = await this.#context!.seal({ tokens, target });
      await this.#cmd(this.client.set(memo, sealed, 'PX', this.#memoTtl));
      await this.#cmd(this.client.publish(this.#channel, JSON.stringify({ t: 'memo', key } satisfies Message)));
      await this.#cmd(this.client.eval(RELEASE, 1, lock, owner));
    } catch {
      // The grant happened: its result stands even if Redis could not keep it.
      this.#outage();
    }
    return outcome;
  }

  #grantLocally(key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome> {
    return this.#local.coordinate(key, target, refresh, options);
  }

  async #open(raw: string): Promise<{ tokens: TokenRecord; target: string | null } | null> {
    const data = (await this.#context!.unseal(raw)) as { tokens?: TokenRecord; target?: string | null } | null;
    if (!data || typeof data !== 'object' || !data.tokens || typeof data.tokens.accessToken !== 'string' || typeof data.tokens.expiresAt !== 'number') return null;
    return { tokens: data.tokens, target: data.target ?? null };
  }

  /** Resolve on the announcement for `key`, or after `ms`. */
  #waitFor(key: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.#waiters.get(key);
      if (!set) this.#waiters.set(key, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        set!.delete(wake);
        if (!set!.size) this.#waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError(name, undefined, 'must be a positive number of milliseconds (sessionkit/redis)');
  return value;
}

export type { Message as RedisMessage };
