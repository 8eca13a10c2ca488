/**
 * The cache of unsealed session cookies: each entry keyed by a number read from its seal's salt
 * and holding the full value it came from, which a hit must equal; bounded, and never kept past
 * the seal's or the access token's expiry. The cached path (`cached-session.ts`) finds the
 * request's entry through it without parsing or copying the Cookie header.
 *
 * @packageDocumentation
 */
import type { SessionRecord } from '../types/session.js';
import type { CookiePayload } from './record-shape.js';
import { TtlCache } from './ttl-cache.js';
import type { AuthFields } from './view.js';

/**
 * A cookie value unsealed before, as the cache keeps it; `hot` is what the cached path
 * (`lib/core/cached-session.ts`) learned of its record on the first request that took it.
 */
export interface Unsealed {
  readonly value: string;
  readonly payload: CookiePayload;
  hot: HotSession | undefined;
}

/** One record as the cached path sees it: its view, its end keys, and until when it needs nothing done. */
export interface HotSession {
  readonly record: SessionRecord;
  readonly fields: Readonly<AuthFields>;
  readonly endKeys: readonly string[];
  /** Epoch ms before which the record is neither due for refresh nor past `live` (`freshUntil`). */
  readonly untilMs: number;
}

/**
 * The key of a seal in the cache of unsealed records: 8 hex digits of the seal's own random
 * 256-bit salt, read as one 32-bit number in place (after `Fe26.2*` and a password id of 1 to 10
 * digits, characters 20 to 27 are always salt), so that a Cookie header is looked up before its
 * value's end is even found. A number key costs a Map lookup ~30 ns; the 90-character string key
 * it replaces cost ~330 ns, hashed anew on every request (measured, Node 20). A hit must still
 * equal the whole value; two cached sessions whose keys collide (about once in 340 full caches of
 * 5,000) only take turns in the cache. `start` is where the value starts in `s`.
 */
function keyAt(s: string, start: number): number {
  let key = 0;
  for (let i = start + 20; i < start + 28; i++) {
    const c = s.charCodeAt(i); // NaN past the end: `| NaN` is `| 0`
    key = (key << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return key;
}

/** Unsealed cookie values, found by value or in place in a Cookie header. */
export class UnsealedCache {
  /** Hashing a 4 KB string for a Map lookup costs ~6 µs; comparing two costs nanoseconds. */
  readonly #entries = new TtlCache<number, Unsealed>(5_000);

  /** The entry of `value`; undefined when it was not unsealed before (or expired). */
  get(value: string, nowMs = Date.now()): Unsealed | undefined {
    const hit = this.#entries.get(keyAt(value, 0), nowMs);
    return hit !== undefined && hit.value === value ? hit : undefined;
  }

  /** The entry whose whole value stands in `header` from `start` on (where it ends is the caller's to check). */
  at(header: string, start: number, nowMs: number): Unsealed | undefined {
    const hit = this.#entries.get(keyAt(header, start), nowMs);
    // A slice compared: `startsWith(value, start)` walks a 4 KB value 25 times slower (V8, measured).
    return hit !== undefined && header.slice(start, start + hit.value.length) === hit.value ? hit : undefined;
  }

  /** Cache an unsealed payload: never past the seal's own expiry nor the access token's. */
  remember(value: string, payload: CookiePayload, sealExpiresAtMs: number): void {
    const ttl = Math.min(sealExpiresAtMs, 'ref' in payload ? Infinity : payload.expiresAt * 1000) - Date.now();
    this.#entries.set(keyAt(value, 0), { value, payload, hot: undefined }, ttl);
  }
}
