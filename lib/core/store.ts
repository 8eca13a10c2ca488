/**
 * Server-side session stores (the `store` option): the cookie then carries only a sealed
 * reference to the session, and the tokens stay on the server. `memoryStore()` keeps them in
 * this process; `sessionkit/redis` shares them between instances.
 *
 * @packageDocumentation
 */
import { LRUCache } from 'lru-cache';
import type { SessionRecord } from '../types/session.js';
import type { CoordinatorContext, RefreshCoordinator } from './coordinator.js';

/**
 * Where sessions live when they are not in the cookie. Methods may answer synchronously (the
 * per-request path then needs no await) or with a promise.
 */
export interface SessionStore {
  /** The session stored under `id`, or undefined. */
  get(id: string): SessionRecord | undefined | Promise<SessionRecord | undefined>;
  /** Store `record` under `id` for `ttl` seconds. */
  set(id: string, record: SessionRecord, ttl: number): void | Promise<void>;
  /** Forget the session stored under `id`. */
  destroy(id: string): void | Promise<void>;
  /**
   * Optional: store `record` unless the stored session has a later `expiresAt` (newer tokens),
   * atomically; answers the newer stored session when it kept it, else undefined. Without it the
   * middleware compares with `get` first, then calls `set`.
   */
  setIfNewer?(id: string, record: SessionRecord, ttl: number): SessionRecord | undefined | Promise<SessionRecord | undefined>;
  /** Optional: called once by each middleware that uses this store, before its first request (sealing, logger). */
  attach?(context: CoordinatorContext): void;
  /** Optional: the coordinator that comes with this store, used when the `coordinator` option is not given. */
  readonly coordinator?: RefreshCoordinator;
}

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most sessions kept; the least recently used go first (default 100 000). */
  max?: number;
}

/**
 * A {@link SessionStore} in this process's memory: for one-process apps and tests. Sessions are
 * lost when the process restarts, and other instances do not see them.
 */
export function memoryStore(options: MemoryStoreOptions = {}): SessionStore {
  const sessions = new LRUCache<string, SessionRecord>({ max: options.max ?? 100_000 });
  return {
    get: (id) => sessions.get(id),
    set: (id, record, ttl) => void sessions.set(id, record, { ttl: ttl * 1000 }),
    destroy: (id) => void sessions.delete(id),
  };
}
