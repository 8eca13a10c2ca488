/**
 * Server-side sessions in Redis: each record sealed with the cookie password under
 * `<prefix>{s:<id>}` (a hash: `e` = access-token expiry, `d` = sealed record) with a TTL; the
 * cookie holds only a sealed reference. Writes never put older tokens over newer ones (one Lua
 * compare-and-set on `e`). A short in-process cache keeps the hot path off Redis; every write
 * and delete is announced on the coordinator's channel and drops the other instances' copies.
 *
 * @packageDocumentation
 */
import { LRUCache } from 'lru-cache';
import type { CoordinatorContext } from '../core/coordinator.js';
import type { SessionStore } from '../core/store.js';
import type { SessionRecord } from '../types/session.js';
import type { RedisOptions } from './client.js';
import { RedisCoordinator } from './coordinator.js';
import { SessionKitError, StoreUnavailableError } from '../errors.js';

/** Write unless the stored expiry is later; answer the stored sealed record when it is kept. */
const SET_IF_NEWER = `
local cur = redis.call('hget', KEYS[1], 'e')
if cur and tonumber(cur) > tonumber(ARGV[2]) then return redis.call('hget', KEYS[1], 'd') end
redis.call('hset', KEYS[1], 'e', ARGV[2], 'd', ARGV[1])
redis.call('pexpire', KEYS[1], ARGV[3])
return false`;

/** Options of {@link redisStore}. */
export interface RedisStoreOptions extends RedisOptions {
  /** How long this instance reuses a record it read, ms, unless the channel says it changed (default 5 000; 0 = always read Redis). */
  cacheTtl?: number;
  /** Most records cached in this process (default 10 000). */
  cacheMax?: number;
}

interface Cached {
  record: SessionRecord;
  at: number;
}

/** The Redis {@link SessionStore}; it also coordinates refreshes and revocation ({@link RedisSessionStore.coordinator}). */
export class RedisSessionStore implements SessionStore {
  /** The coordinator that comes with the store (picked up when the `coordinator` option is not given). */
  readonly coordinator: RedisCoordinator;
  readonly #prefix: string;
  readonly #cacheTtl: number;
  readonly #cache: LRUCache<string, Cached>;
  #context: CoordinatorContext | null = null;

  constructor(options: RedisStoreOptions) {
    this.coordinator = new RedisCoordinator(options);
    this.#prefix = this.coordinator.prefix;
    this.#cacheTtl = options.cacheTtl ?? 5_000;
    this.#cache = new LRUCache({ max: options.cacheMax ?? 10_000 });
    this.coordinator.listen(
      (message) => {
        if (message.t === 'store' && message.from !== this.coordinator.instance) this.#cache.delete(message.id);
      },
      // Messages may have been missed while disconnected: write what waited, then read Redis again.
      () => void this.#flush(),
    );
  }

  /** Called by each middleware before its first request (sealing with the cookie password). */
  attach(context: CoordinatorContext): void {
    this.#context ??= context;
    this.coordinator.attach(context);
  }

  /** Close the subscriber connection (the application's client is left open). */
  close(): Promise<void> {
    return this.coordinator.close();
  }

  /** Writes made while Redis was unavailable, kept in this process until it is back. */
  readonly #pending = new Map<string, { record: SessionRecord; ttl: number }>();

  async #flush(): Promise<void> {
    const pending = [...this.#pending];
    this.#pending.clear();
    this.#cache.clear();
    this.#flushing = true;
    try {
      for (const [id, { record, ttl }] of pending) {
        try {
          await this.setIfNewer(id, record, ttl);
        } catch {
          this.#pending.set(id, { record, ttl });
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** Redis is unavailable for a write: keep the record here (this instance serves it) until it is back. */
  #keep(id: string, record: SessionRecord, ttl: number): void {
    this.#pending.set(id, { record, ttl });
    this.#cache.set(id, { record, at: Date.now() });
  }

  #key(id: string): string {
    return `${this.#prefix}{s:${id}}`;
  }

  get(id: string): SessionRecord | undefined | Promise<SessionRecord | undefined> {
    const cached = this.#cache.get(id);
    if (cached && Date.now() - cached.at < this.#cacheTtl) return cached.record;
    // Redis down: a session this instance has seen stays signed in; no one is logged out for it.
    if (cached && !this.coordinator.available) return cached.record;
    return this.#read(id).catch((error: unknown) => {
      if (!cached) throw error;
      this.coordinator.unavailable();
      return cached.record;
    });
  }

  async #read(id: string): Promise<SessionRecord | undefined> {
    const context = this.#requireContext();
    const sealed = (await this.coordinator.command(this.client.eval(`return redis.call('hget', KEYS[1], 'd')`, 1, this.#key(id)))) as string | null;
    if (!sealed) {
      this.#cache.delete(id);
      return undefined;
    }
    const record = (await context.unseal(sealed)) as SessionRecord | null;
    if (!record || typeof record !== 'object' || record.id !== id) return undefined;
    this.#cache.set(id, { record, at: Date.now() });
    return record;
  }

  /**
   * True once Redis is connected and the writes this instance kept during an outage are written
   * back (until then the other instances may read older tokens of those sessions).
   */
  get available(): boolean {
    return this.coordinator.available && !this.#flushing && this.#pending.size === 0;
  }

  #flushing = false;

  /** The application's client (shared with {@link coordinator}). */
  get client() {
    return this.coordinator.client;
  }

  async set(id: string, record: SessionRecord, ttl: number): Promise<void> {
    const sealed = await this.#requireContext().seal(record);
    if (!this.coordinator.available) return this.#keep(id, record, ttl);
    await this.coordinator.command(this.client.eval(`redis.call('hset', KEYS[1], 'e', ARGV[2], 'd', ARGV[1]) redis.call('pexpire', KEYS[1], ARGV[3]) return 1`, 1, this.#key(id), sealed, record.expiresAt, Math.max(1, ttl) * 1000)).catch(() => {
      this.#keep(id, record, ttl);
      this.coordinator.unavailable();
    });
    this.#cache.set(id, { record, at: Date.now() });
    await this.coordinator.announce({ t: 'store', id, from: this.coordinator.instance });
  }

  async setIfNewer(id: string, record: SessionRecord, ttl: number): Promise<SessionRecord | undefined> {
    const context = this.#requireContext();
    const sealed = await context.seal(record);
    let newer: string | null;
    try {
      if (!this.coordinator.available) throw new StoreUnavailableError('sessionkit: Redis is not connected');
      newer = (await this.coordinator.command(this.client.eval(SET_IF_NEWER, 1, this.#key(id), sealed, record.expiresAt, Math.max(1, ttl) * 1000))) as string | null;
    } catch {
      const cached = this.#cache.get(id);
      if (cached && cached.record.expiresAt > record.expiresAt) return cached.record;
      this.#keep(id, record, ttl);
      this.coordinator.unavailable();
      return undefined;
    }
    if (newer) {
      const stored = (await context.unseal(newer)) as SessionRecord | null;
      if (stored && stored.id === id) {
        this.#cache.set(id, { record: stored, at: Date.now() });
        return stored;
      }
      return undefined;
    }
    this.#cache.set(id, { record, at: Date.now() });
    await this.coordinator.announce({ t: 'store', id, from: this.coordinator.instance });
    return undefined;
  }

  async destroy(id: string): Promise<void> {
    this.#cache.delete(id);
    this.#pending.delete(id);
    // Best effort when Redis is down: the ended-sessions list refuses the cookie anyway.
    await this.coordinator.command(this.client.del(this.#key(id))).catch(() => this.coordinator.unavailable());
    await this.coordinator.announce({ t: 'store', id, from: this.coordinator.instance });
  }

  #requireContext(): CoordinatorContext {
    if (!this.#context) throw new SessionKitError('SESSIONKIT_CONFIG_INVALID', 'sessionkit/redis: the store is used before a middleware attached it (pass it as the `store` option)');
    return this.#context;
  }
}
