/**
 * The few things sessionkit asks of the user's Redis client. Structural, so that this package
 * never imports `ioredis` itself: a single-node `Redis`, a Sentinel-backed `Redis` and a `Cluster`
 * from `ioredis` all fit.
 *
 * @packageDocumentation
 */

/** The subset of an ioredis client (`Redis` or `Cluster`) that `sessionkit/redis` uses. */
export interface RedisClientLike {
  /** `ready` when commands can be sent now. */
  readonly status: string;
  get(key: string, ...rest: any[]): Promise<string | null>;
  set(key: string, value: string, ...args: any[]): Promise<unknown>;
  del(...keys: any[]): Promise<number>;
  publish(channel: string, message: string, ...rest: any[]): Promise<number>;
  eval(script: string, numKeys: number, ...args: any[]): Promise<unknown>;
  zrange(key: string, start: any, stop: any, ...args: any[]): Promise<string[]>;
  /** A new connection with the same options (the subscriber). */
  duplicate(): RedisClientLike;
  subscribe(...channels: any[]): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off?(event: string, listener: (...args: any[]) => void): unknown;
}

/** Options shared by {@link redisCoordinator} and {@link redisStore}. */
export interface RedisOptions {
  /** The application's ioredis client (`new Redis(url)`, Sentinel, or `new Redis.Cluster(…)`). */
  client: RedisClientLike;
  /** Prefix of every key and of the channel (default `sessionkit:`). */
  prefix?: string;
  /**
   * How long a refresh lock outlives its holder, ms: a crashed holder delays the others this long
   * at most; a live holder extends it while its grant runs (default 10 000).
   */
  lockTtl?: number;
  /** How long a finished refresh answers late requests, ms (default 10 000). */
  memoTtl?: number;
  /** How often a waiter polls for the winner's result when no message arrives, ms (default 200). */
  pollInterval?: number;
  /** How long one Redis command may take before Redis counts as unavailable, ms (default 1 000). */
  commandTimeout?: number;
}
