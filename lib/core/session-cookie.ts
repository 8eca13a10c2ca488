/**
 * The session cookie: iron-session `sealData`/`unsealData`, chunking past one cookie's 4 KB,
 * password rotation, and the per-attempt sign-in transaction cookies.
 *
 * @packageDocumentation
 */
import { serialize, type SerializeOptions } from 'cookie';
import { duplicateValues, endsAt, nameStart, occursOutside, sessionValue, valueStart, type IncomingSession } from './cookie-header.js';
import { isSessionRecord, isSessionRef, type CookiePayload } from './record-shape.js';
import { UnsealedCache, type Unsealed } from './unsealed-cache.js';

export { firstValue, parseCookies, type CookieJar, type IncomingSession } from './cookie-header.js';
import { sealData, unsealData } from 'iron-session';
import type { ResolvedConfig } from '../config.js';
import { SessionTooLargeError } from '../errors.js';

/** Browsers keep at most 4096 bytes per cookie (name, value and attributes). */
const COOKIE_LIMIT = 4096;
/** Most chunks read; a larger session is refused rather than parsed. */
const MAX_CHUNKS = 10;
/**
 * Most chunks written (≈ 8 KB): with sign-in transactions and the app's own cookies, a browser's
 * Cookie header must stay well under Node's 16 KB limit for header sections, or every request —
 * logout included — is refused `431`. Larger sessions belong in a `store`.
 */
export const MAX_WRITTEN_CHUNKS = 2;

/** Exactly what `sealData` produces (iron `Fe26.2`, iron-session format 2); anything else is refused unread. */
export const SEAL = /^Fe26\.2\*\d{1,10}\*[0-9a-f]{64}\*[\w-]{22}\*[\w-]+\*\d*\*[0-9a-f]{64}\*[\w-]{43}~2$/;

export type { CookiePayload, SessionRef } from './record-shape.js';

/** Reads and writes sessionkit's cookies; unseals are cached by exact cookie value. */
export class SessionCookies {
  readonly #cfg: ResolvedConfig;
  readonly #attrs: SerializeOptions;
  readonly #chunkSize: number;
  /** The session cookie's name (`cookie.name`). */
  readonly #name: string;
  /** The names of a session in a single cookie (shared: a request's names are replaced, never changed). */
  readonly #single: readonly string[];
  /** What every chunk's name starts with (`name.`). */
  readonly #chunkPrefix: string;
  /** Unsealed records, each with the full value it came from (which a hit must equal). */
  readonly #unsealed = new UnsealedCache();
  readonly #password: Record<string, string>;

  constructor(cfg: ResolvedConfig) {
    this.#cfg = cfg;
    const c = cfg.cookie;
    this.#attrs = { httpOnly: true, sameSite: c.sameSite, path: c.path, domain: c.domain, secure: c.secure };
    this.#password = { ...c.passwords };
    this.#name = c.name;
    this.#single = Object.freeze([c.name]);
    this.#chunkPrefix = `${c.name}.`;
    const overhead = serialize(`${c.name}.${MAX_CHUNKS - 1}`, '', { ...this.#attrs, maxAge: c.maxAge }).length;
    this.#chunkSize = COOKIE_LIMIT - overhead - 1;
  }

  /** The cookie name of the session (chunks are `name.0`, `name.1`, …). */
  get name(): string {
    return this.#name;
  }

  /**
   * Collect the session's sealed value from `name`, or from `name.0` … `name.n`, from a `Cookie`
   * header (the first of each name, as the `cookie` package reads it; see {@link alternatives}).
   */
  read(header: string | string[] | undefined): IncomingSession {
    return sessionValue(header, this.#name, MAX_CHUNKS); // the usual case is `lookup`'s, on the cached path
  }

  /**
   * Every other value the session's names carried in `header` when they came more than once (a
   * cookie tossed from a sibling subdomain or path: browsers send both). Looked for only once
   * `first` failed to unseal — scanning every header for duplicates would cost the cached path.
   */
  alternatives(header: string | string[] | undefined, first: string): string[] {
    return duplicateValues(header, this.#name, first, MAX_CHUNKS);
  }

  /**
   * The first of a request's session values that unseals: `first` (as {@link read} found it),
   * else a duplicate from `header` — a junk cookie tossed in front never costs the real session.
   */
  async unsealIncoming(first: string | null, header: string | string[] | undefined): Promise<CookiePayload | null> {
    if (first === null) return null;
    const payload = await this.unseal(first);
    if (payload) return payload;
    for (const value of this.alternatives(header, first)) {
      const other = await this.unseal(value);
      if (other) return other;
    }
    return null;
  }

  /** The cache entry of a cookie value unsealed before, without any work; undefined otherwise. */
  cached(value: string, nowMs = Date.now()): Unsealed | undefined {
    return this.#unsealed.get(value, nowMs);
  }

  /**
   * The cache entry of the request's session when `header` carries it the usual way (one cookie,
   * no chunk name beside it) and it was unsealed before; null when `header` names no session
   * cookie at all; undefined for anything else ({@link read} then decides).
   */
  lookup(header: string | string[] | undefined, nowMs: number): Unsealed | null | undefined {
    if (typeof header !== 'string') return header === undefined ? null : undefined;
    const start = valueStart(header, this.#name);
    if (start < 0) return header.indexOf(this.#chunkPrefix) < 0 ? null : undefined;
    // Found and compared in place: the value is neither parsed, decoded nor copied.
    const hit = this.#unsealed.at(header, start, nowMs);
    if (hit === undefined) return undefined;
    const end = start + hit.value.length;
    // No chunk name elsewhere: searched before the pair's name (`name=` cannot hold `name.`), so a
    // session cookie first in the header costs no backward search at all.
    const pair = nameStart(header, start, this.#name.length);
    return endsAt(header, end) && !occursOutside(header, this.#chunkPrefix, pair, end) ? hit : undefined;
  }

  /** The names of a session in a single cookie (shared, frozen). */
  get single(): readonly string[] {
    return this.#single;
  }

  /** Unseal a session; null for anything that is not a current, well-formed session of ours. */
  async unseal(value: string): Promise<CookiePayload | null> {
    if (!value || value.length > COOKIE_LIMIT * MAX_CHUNKS) return null;
    const hit = this.cached(value);
    if (hit) return hit.payload;
    if (!SEAL.test(value)) return null;
    let data: unknown;
    try {
      data = await unsealData(value, { password: this.#password, ttl: this.#cfg.cookie.maxAge });
    } catch {
      return null;
    }
    if (!isSessionRecord(data) && !isSessionRef(data)) return null;
    this.#unsealed.remember(value, data, Number(value.split('*')[5]));
    return data;
  }

  /**
   * Seal `record`: the Set-Cookie headers that write it (clearing chunks it no longer uses) and
   * the cookie names that now carry it.
   */
  async write(
    record: CookiePayload,
    previous: readonly string[],
    createdAt = 'createdAt' in record ? record.createdAt : Math.floor(Date.now() / 1000),
  ): Promise<{ headers: string[]; names: string[] }> {
    const { maxAge } = this.#cfg.cookie;
    // Rolling: the cookie lives maxAge from now; else maxAge from sign-in.
    const lifetime = this.#cfg.session.rolling ? maxAge : Math.max(1, createdAt + maxAge - Math.floor(Date.now() / 1000));
    const sealed = await sealData(record, { password: this.#password, ttl: lifetime });
    if (sealed.length > this.#chunkSize * MAX_WRITTEN_CHUNKS) throw new SessionTooLargeError(sealed.length, this.#chunkSize * MAX_WRITTEN_CHUNKS);
    this.#unsealed.remember(sealed, record, Date.now() + lifetime * 1000);
    const name = this.#cfg.cookie.name;
    const attrs = { ...this.#attrs, maxAge: lifetime };
    const headers: string[] = [];
    const written = new Set<string>();
    if (sealed.length <= this.#chunkSize) {
      headers.push(serialize(name, sealed, attrs));
      written.add(name);
    } else {
      for (let i = 0, offset = 0; offset < sealed.length; i++, offset += this.#chunkSize) {
        const chunk = `${name}.${i}`;
        headers.push(serialize(chunk, sealed.slice(offset, offset + this.#chunkSize), attrs));
        written.add(chunk);
      }
    }
    for (const stale of previous) if (!written.has(stale)) headers.push(this.#expire(stale));
    return { headers, names: [...written] };
  }

  /** Seal any data with the cookie password (for what a shared coordinator or store keeps). */
  seal(data: unknown, ttl = 0): Promise<string> {
    return sealData(data as Record<string, unknown>, { password: this.#password, ttl });
  }

  /** Unseal what {@link seal} produced; null when it does not unseal. */
  async unsealAny(sealed: string): Promise<unknown> {
    if (typeof sealed !== 'string' || !SEAL.test(sealed)) return null;
    try {
      return await unsealData(sealed, { password: this.#password, ttl: 0 });
    } catch {
      return null;
    }
  }

  /** Set-Cookie headers that delete every named cookie. */
  clear(names: readonly string[]): string[] {
    return names.map((n) => this.#expire(n));
  }

  #expire(name: string, path = this.#cfg.cookie.path): string {
    return serialize(name, '', { ...this.#attrs, path, maxAge: 0, expires: new Date(0) });
  }
}
