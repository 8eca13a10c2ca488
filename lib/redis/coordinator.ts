/**
 * Refresh coordination and revocation shared by every instance on one Redis: the connection, its
 * channel and its availability here; the ended-sessions list in `ended.ts`; one refresh per
 * refresh token in `locks.ts`.
 *
 * - Redis unavailable: coordination falls back to this process, logged once per outage; a refresh
 *   then waits for Redis while the access token is valid (`locks.ts`).
 *
 * Keys (Cluster: one hash tag per refresh token, one for the ended list, one per remembered key):
 * `<prefix>{r:<hash>}:lock|memo`, `<prefix>{ended}:at|until`, `<prefix>{seen:<key>}`; the channel
 * `<prefix>events`.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { LocalFlights, MemoryCoordinator, type CoordinateOptions, type CoordinatorContext, type RefreshCoordinator, type RefreshOutcome, type TokenRecord } from '../core/coordinator.js';
import { ConfigError, StoreUnavailableError } from '../errors.js';
import { RefreshLocks } from './locks.js';
import { EndedSessions } from './ended.js';
import { positive, type Message } from './scripts.js';
import type { Logger } from '../types/session.js';
import type { RedisClientLike, RedisOptions } from './client.js';

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
  readonly #timeout: number;
  /** In-process fallback, and the in-memory ended list and remembered keys. */
  readonly #local: MemoryCoordinator;
  /** This instance's flights and memo, in front of Redis: one Redis round trip per refresh, not per request. */
  readonly #flights: LocalFlights;
  /** The cross-instance refresh locks (lib/redis/locks.ts). */
  readonly #locks: RefreshLocks;
  /** The ended-sessions list (lib/redis/ended.ts). */
  readonly #ended: EndedSessions;
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
    const memoTtl = positive(options.memoTtl, 10_000, 'memoTtl');
    this.#timeout = positive(options.commandTimeout, 1_000, 'commandTimeout');
    this.#local = new MemoryCoordinator({ memoTtl });
    this.#flights = new LocalFlights({ memoTtl });
    this.#locks = new RefreshLocks(this, this.#local, { lockTtl: positive(options.lockTtl, 10_000, 'lockTtl'), memoTtl, poll: positive(options.pollInterval, 200, 'pollInterval') });
    this.#ended = new EndedSessions(this, this.#local);
  }

  /** The seal/unseal and logger of the first attached middleware; null until one attaches. */
  get sealContext(): CoordinatorContext | null {
    return this.#context;
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
    await this.command(this.client.publish(this.channel, JSON.stringify(message))).catch(() => this.#outage());
  }

  /** Is Redis usable right now? */
  get available(): boolean {
    return !this.#closed && this.client.status === 'ready';
  }

  /**
   * Run one Redis command, rejecting after the command timeout. The rejection waits for one turn
   * of the event loop's poll phase: after this process itself stalled (GC, a busy CPU), a reply
   * already waiting in the socket is read first, and Redis is not blamed for the stall.
   */
  command<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => setImmediate(() => reject(new StoreUnavailableError('sessionkit: a Redis command timed out'))), this.#timeout);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /** Count Redis as unavailable (logged once per outage). */
  unavailable(): void {
    this.#outage();
  }

  /** Redis failed: log once per outage. */
  #outage(): void {
    // A late error from a command that failed while reconnecting: Redis is back already.
    if (this.#down || this.#closed || this.client.status === 'ready') return;
    this.#down = true;
    this.#logger.warn({}, 'sessionkit: Redis is unavailable; coordinating in this process until it is back (sessions are refreshed only once their access token has expired)');
  }

  async #resume(): Promise<void> {
    if (this.#closed) return;
    if (this.#down) {
      this.#down = false;
      this.#logger.info?.({}, 'sessionkit: Redis is back; coordinating across instances again');
    }
    await this.#ended.flush();
  }

  async #onReady(sub: RedisClientLike): Promise<void> {
    try {
      await sub.subscribe(this.channel);
      await this.#ended.reload();
      for (const listener of this.#reconnectListeners) listener();
    } catch {
      this.#outage();
    }
  }

  /** The channel every instance listens on. */
  get channel(): string {
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
      this.#ended.receive(message);
    } else if (message?.t === 'memo' && typeof message.key === 'string') {
      this.#locks.wake(message.key);
    }
    for (const listener of this.#listeners) listener(message);
  }

  endSessions(keys: readonly string[], at: number, ttl: number): Promise<void> {
    return this.#ended.end(keys, at, ttl);
  }

  endedAt(keys: readonly string[]): number | undefined {
    return this.#local.endedAt(keys); // kept in memory by lib/redis/ended.ts
  }

  async remember(key: string, ttl: number): Promise<boolean> {
    const fresh = this.#local.remember(key, ttl);
    if (!this.available) {
      this.#outage();
      return fresh;
    }
    try {
      const set = await this.command(this.client.set(`${this.prefix}{seen:${key}}`, '1', 'EX', Math.max(1, Math.ceil(ttl)), 'NX'));
      return set === 'OK' && fresh;
    } catch {
      this.#outage();
      return fresh;
    }
  }

  coordinate(key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome> {
    return this.#flights.run(key, options, () => this.#locks.run(key, target, refresh, options));
  }

}

export type { Message as RedisMessage };
