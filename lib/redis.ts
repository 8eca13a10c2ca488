/**
 * `sessionkit/redis`: several instances, one truth. {@link redisCoordinator} shares refresh
 * coordination and revocation between instances for cookie sessions; {@link redisStore} keeps
 * sessions in Redis (and coordinates by itself). Both take the application's ioredis client
 * (single node, Sentinel or Cluster); this entry never imports `ioredis` itself.
 *
 * @packageDocumentation
 */
import { RedisCoordinator } from './redis/coordinator.js';
import { RedisSessionStore, type RedisStoreOptions } from './redis/store.js';
import type { RedisOptions } from './redis/client.js';

export { RedisCoordinator, type RedisMessage } from './redis/coordinator.js';
export { RedisSessionStore, type RedisStoreOptions } from './redis/store.js';
export type { RedisClientLike, RedisOptions } from './redis/client.js';

/**
 * Refresh coordination and revocation shared through Redis, for cookie sessions (the `coordinator`
 * option). Call `close()` on shutdown to close its subscriber connection.
 *
 * @throws {ConfigError} when `client` is not an ioredis client or a timing option is invalid.
 */
export function redisCoordinator(options: RedisOptions): RedisCoordinator {
  return new RedisCoordinator(options);
}

/**
 * Server-side sessions in Redis (the `store` option); it coordinates refreshes and revocation
 * too, so no `coordinator` option is needed. Call `close()` on shutdown.
 *
 * @throws {ConfigError} when `client` is not an ioredis client or a timing option is invalid.
 */
export function redisStore(options: RedisStoreOptions): RedisSessionStore {
  return new RedisSessionStore(options);
}
