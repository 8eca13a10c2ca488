/**
 * A bounded cache with an expiry per entry, made for the per-request path: a `Map` in insertion
 * order, the oldest entry evicted first, no timers and no bookkeeping on a hit. (lru-cache's
 * recency updates and its clock timer cost about 3 µs per request here, measured under load.)
 *
 * @packageDocumentation
 */

/** A bounded map whose entries expire. */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** The live value under `key`; undefined when there is none or it expired (then it is dropped). */
  get(key: K, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keep `value` under `key` for `ttl` ms (the oldest entry makes room when full). */
  set(key: K, value: V, ttl: number): void {
    if (!(ttl > 0)) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as K);
    this.#entries.set(key, { value, expiresAt: Date.now() + ttl });
  }

  /** How many entries are kept (expired ones included until they are read or pushed out). */
  get size(): number {
    return this.#entries.size;
  }
}
