/**
 * One refresh per refresh token across every instance: a per-token lock (`SET NX PX`, extended
 * while its holder's grant runs); the winner runs the grant, stores the outcome sealed under the
 * old token's hash for the memo's lifetime and announces it; the others wait for the announcement
 * (polling as the fallback) and never spend the old token. Redis unavailable or not answering: a
 * refresh waits for it while the access token is valid; an expired one is refreshed in this process,
 * unless another instance was seen holding its lock (that one may be spending the same token).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { isMemoFresh, type CoordinateOptions, type CoordinatorContext, type MemoryCoordinator, type RefreshOutcome, type TokenRecord } from '../core/coordinator.js';
import { RefreshError } from '../errors.js';
import type { RedisClientLike } from './client.js';
import { EXTEND, RELEASE, type Message } from './scripts.js';

/** What the locks need of the coordinator: the connection, its state, the seal. */
export interface LockHost {
  readonly client: RedisClientLike;
  readonly prefix: string;
  readonly channel: string;
  readonly available: boolean;
  readonly sealContext: CoordinatorContext | null;
  command<T>(promise: Promise<T>): Promise<T>;
  unavailable(): void;
}

/** The refresh locks of one coordinator. */
export class RefreshLocks {
  readonly #host: LockHost;
  readonly #local: MemoryCoordinator;
  readonly #timing: { lockTtl: number; memoTtl: number; poll: number };
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(host: LockHost, local: MemoryCoordinator, timing: { lockTtl: number; memoTtl: number; poll: number }) {
    this.#host = host;
    this.#local = local;
    this.#timing = timing;
  }

  /** The announcement of `key`'s outcome arrived: wake whoever waits for it. */
  wake(key: string): void {
    for (const wake of this.#waiters.get(key) ?? []) wake();
  }

  /** One instance's refresh of `key`, coordinated with the others through Redis. */
  async run(key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome> {
    const lock = `${this.#host.prefix}{r:${key}}:lock`;
    const memo = `${this.#host.prefix}{r:${key}}:memo`;
    const deadline = Date.now() + this.#timing.lockTtl * 2 + 5_000;
    let stale: string | null = null;
    let waiting = false;
    while (true) {
      // Not attached to a middleware yet (a direct call): this process coordinates alone.
      if (!this.#host.sealContext) return this.#grantLocally(key, target, refresh, options);
      if (!this.#host.available) return this.#withoutRedis(waiting, key, target, refresh, options); // never wait on it
      const owner = randomBytes(12).toString('base64url');
      let raw: string | null;
      let won = false;
      let locking = false;
      try {
        raw = await this.#host.command(this.#host.client.get(memo));
        if (raw !== null && raw !== stale) {
          const outcome = await this.#open(raw);
          if (outcome && (waiting || isMemoFresh(key, outcome.tokens, options.buffer))) return { ...outcome, source: waiting ? 'joined' : 'memo' };
          stale = raw;
        }
        locking = true;
        won = (await this.#host.command(this.#host.client.set(lock, owner, 'PX', this.#timing.lockTtl, 'NX'))) === 'OK';
      } catch {
        // A lock Redis takes after its command timed out is never used: free it once Redis gets
        // there, or every instance would wait on it for the lock's whole lifetime.
        if (locking) this.#host.client.eval(RELEASE, 1, lock, owner).catch(() => undefined);
        return this.#withoutRedis(waiting, key, target, refresh, options);
      }
      if (won) {
        // Another instance's grant may have finished between the memo's read and this lock (its
        // memo written, its lock released): the token is spent then, and its result is the memo.
        const spent = await this.#spentMeanwhile(memo, stale, lock, owner);
        if (spent === undefined) return this.#withoutRedis(waiting, key, target, refresh, options);
        if (spent) return { ...spent, source: 'joined' };
        return this.#grant(key, target, refresh, lock, memo, owner);
      }
      // Another instance holds the lock: wait for its announcement, polling as the fallback.
      waiting = true;
      if (Date.now() > deadline) throw new RefreshError('another instance holds the refresh lock for too long', { isTransient: true });
      await this.#waitFor(key, this.#timing.poll);
    }
  }

  /**
   * Redis cannot coordinate. Once another instance was seen holding the lock (`waiting`), it may
   * be spending this very token: never spend it here too, even an expired one; the refresh fails
   * as transient and the next request tries again. Otherwise this process decides alone.
   */
  #withoutRedis(waiting: boolean, key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome> {
    this.#host.unavailable();
    if (waiting) return Promise.reject(new RefreshError('Redis became unavailable while waiting for another instance to refresh', { isTransient: true }));
    return this.#alone(key, target, refresh, options);
  }

  /**
   * Read `memo` again under the lock just won: the outcome of a grant that another instance
   * finished since `stale` was read (the lock then released); null when there is none (the
   * refresh is this instance's to do); undefined when Redis cannot answer (the lock is freed).
   */
  async #spentMeanwhile(memo: string, stale: string | null, lock: string, owner: string): Promise<{ tokens: TokenRecord; target: string | null } | null | undefined> {
    let raw: string | null;
    try {
      raw = await this.#host.command(this.#host.client.get(memo));
    } catch {
      this.#host.client.eval(RELEASE, 1, lock, owner).catch(() => undefined);
      return undefined;
    }
    if (raw === null || raw === stale) return null;
    const outcome = await this.#open(raw);
    if (outcome) await this.#host.command(this.#host.client.eval(RELEASE, 1, lock, owner)).catch(() => this.#host.unavailable());
    return outcome;
  }

  async #grant(key: string, target: string | null, refresh: () => Promise<TokenRecord>, lock: string, memo: string, owner: string): Promise<RefreshOutcome> {
    let tokens: TokenRecord;
    const heartbeat = setInterval(() => {
      this.#host.command(this.#host.client.eval(EXTEND, 1, lock, owner, this.#timing.lockTtl)).catch(() => this.#host.unavailable());
    }, Math.max(50, Math.floor(this.#timing.lockTtl / 3)));
    heartbeat.unref?.();
    try {
      tokens = await refresh();
    } catch (error) {
      await this.#host.command(this.#host.client.eval(RELEASE, 1, lock, owner)).catch(() => this.#host.unavailable());
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
    const outcome: RefreshOutcome = { tokens, target, source: 'grant' };
    try {
      const sealed = await this.#host.sealContext!.seal({ tokens, target });
      await this.#host.command(this.#host.client.set(memo, sealed, 'PX', this.#timing.memoTtl));
      await this.#host.command(this.#host.client.publish(this.#host.channel, JSON.stringify({ t: 'memo', key } satisfies Message)));
      await this.#host.command(this.#host.client.eval(RELEASE, 1, lock, owner));
    } catch {
      // The grant happened: its result stands even if Redis could not keep it.
      this.#host.unavailable();
    }
    return outcome;
  }

  /**
   * Redis cannot tell whether another instance is spending this refresh token (it is down, or a
   * command timed out). Spending it here too could spend it twice, and a rotating provider then
   * revokes the whole grant: everyone signed out. So while the session's access token is still
   * valid the refresh waits for Redis (a transient failure: the session keeps its token); only an
   * expired token, which nothing else can serve, is refreshed by this process alone.
   */
  #alone(key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome> {
    if (options.expiresAt !== undefined && options.expiresAt > Date.now() / 1000) {
      this.#host.sealContext?.logger.debug?.({}, 'sessionkit: refresh deferred: Redis cannot coordinate it, and the access token is still valid');
      return Promise.reject(new RefreshError('Redis cannot coordinate the refresh; deferred while the access token is still valid', { isTransient: true }));
    }
    return this.#grantLocally(key, target, refresh, options);
  }

  #grantLocally(key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome> {
    return this.#local.coordinate(key, target, refresh, options);
  }

  async #open(raw: string): Promise<{ tokens: TokenRecord; target: string | null } | null> {
    const data = (await this.#host.sealContext!.unseal(raw)) as { tokens?: TokenRecord; target?: string | null } | null;
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
