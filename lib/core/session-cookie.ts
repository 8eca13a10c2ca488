/**
 * The session cookie: iron-session `sealData`/`unsealData`, chunking past one cookie's 4 KB,
 * password rotation, and the per-attempt sign-in transaction cookies.
 *
 * @packageDocumentation
 */
import { parse, serialize, type SerializeOptions } from 'cookie';
import { sealData, unsealData } from 'iron-session';
import { LRUCache } from 'lru-cache';
import type { ResolvedConfig } from '../config.js';
import type { SessionRecord } from '../types/session.js';
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

/** How much of a seal's end (its HMAC, then `~2`) keys the cache of unsealed records. */
const MAC_TAIL = 45;

/** What a session cookie holds: the whole session, or (with a `store`) a reference to it. */
export type CookiePayload = SessionRecord | SessionRef;

/** A sealed reference to a session kept in the `store`. */
export interface SessionRef {
  v: 1;
  ref: string;
}

/** Cookies of one request, by name. */
export type CookieJar = Record<string, string | undefined>;

/** Parse a `Cookie` header; never throws. */
export function parseCookies(header: string | string[] | undefined): CookieJar {
  if (!header) return {};
  try {
    return parse(Array.isArray(header) ? header.join('; ') : header);
  } catch {
    return {};
  }
}

/** The sealed value of a session as it came in, and every cookie name that carried part of it. */
export interface IncomingSession {
  value: string | null;
  names: string[];
}

/** True when `header` names the session cookie (or its first chunk) more than once. */
function hasDuplicate(header: string, name: string): boolean {
  for (const key of [`${name}=`, `${name}.0=`]) {
    const first = header.indexOf(key);
    if (first >= 0 && header.indexOf(key, first + key.length) >= 0) return true;
  }
  return false;
}

/**
 * The value of the first `name=…` pair of a Cookie header, exactly as the `cookie` package reads
 * it (a pair starts after a `;`, names and values are trimmed of spaces and tabs, a value with a
 * `%` is URI-decoded when it decodes); undefined when there is none.
 */
export function firstValue(header: string, name: string): string | undefined {
  for (let at = header.indexOf(name); at >= 0; at = header.indexOf(name, at + 1)) {
    let before = at - 1;
    while (before >= 0 && isBlank(header.charCodeAt(before))) before--;
    if (before >= 0 && header.charCodeAt(before) !== 59 /* ; */) continue;
    let eq = at + name.length;
    while (eq < header.length && isBlank(header.charCodeAt(eq))) eq++;
    if (header.charCodeAt(eq) !== 61 /* = */) continue;
    let end = header.indexOf(';', eq);
    if (end < 0) end = header.length;
    let start = eq + 1;
    while (start < end && isBlank(header.charCodeAt(start))) start++;
    while (end > start && isBlank(header.charCodeAt(end - 1))) end--;
    const value = header.slice(start, end);
    if (value.indexOf('%') < 0) return value;
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

/** Every `name=value` pair of a Cookie header, duplicates kept, read the way the `cookie` package reads one. */
function allPairs(header: string): [string, string][] {
  const out: [string, string][] = [];
  for (const segment of header.split(';')) {
    const eq = segment.indexOf('=');
    if (eq < 0) continue;
    let value = segment.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1);
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        /* kept as is */
      }
    }
    out.push([segment.slice(0, eq).trim(), value]);
  }
  return out;
}


/** Reads and writes sessionkit's cookies; unseals are cached by exact cookie value. */
export class SessionCookies {
  readonly #cfg: ResolvedConfig;
  readonly #attrs: SerializeOptions;
  readonly #chunkSize: number;
  /**
   * Unsealed records by the seal's MAC (its last characters), each with the full value it came
   * from: hashing a 4 KB string for a Map lookup costs ~6 µs, comparing two costs nanoseconds.
   */
  readonly #unsealed = new LRUCache<string, { value: string; record: CookiePayload }>({ max: 5_000 });
  readonly #password: Record<string, string>;

  constructor(cfg: ResolvedConfig) {
    this.#cfg = cfg;
    const c = cfg.cookie;
    this.#attrs = { httpOnly: true, sameSite: c.sameSite, path: c.path, domain: c.domain, secure: c.secure };
    this.#password = { ...c.passwords };
    const overhead = serialize(`${c.name}.${MAX_CHUNKS - 1}`, '', { ...this.#attrs, maxAge: c.maxAge }).length;
    this.#chunkSize = COOKIE_LIMIT - overhead - 1;
  }

  /** The cookie name of the session (chunks are `name.0`, `name.1`, …). */
  get name(): string {
    return this.#cfg.cookie.name;
  }

  /**
   * Collect the session's sealed value from `name`, or from `name.0` … `name.n`, from a `Cookie`
   * header (the first of each name, as the `cookie` package reads it; see {@link alternatives}).
   */
  read(header: string | string[] | undefined): IncomingSession {
    if (typeof header !== 'string') return this.#read(parseCookies(header));
    // The session's names only, found in place: no object of every cookie, no copy of the others.
    const name = this.#cfg.cookie.name;
    const value = firstValue(header, name);
    const names: string[] = value === undefined ? [] : [name];
    let joined = '';
    for (let i = 0; i < MAX_CHUNKS + 1; i++) {
      const part = firstValue(header, `${name}.${i}`);
      if (part === undefined) break;
      names.push(`${name}.${i}`);
      joined += part;
    }
    if (value !== undefined) return { value, names };
    return { value: joined ? (names.length > MAX_CHUNKS ? '' : joined) : null, names };
  }

  /**
   * Every other value the session's names carried in `header` when they came more than once (a
   * cookie tossed from a sibling subdomain or path: browsers send both): each duplicate single
   * cookie, and the chunks joined from their last copies. Looked for only once `first` failed to
   * unseal — scanning every header for duplicates would cost the cached path microseconds.
   */
  alternatives(header: string | string[] | undefined, first: string): string[] {
    const text = Array.isArray(header) ? header.join('; ') : header;
    if (!text || !hasDuplicate(text, this.#cfg.cookie.name)) return [];
    const name = this.#cfg.cookie.name;
    const singles: string[] = [];
    const lastChunks: Record<string, string> = {};
    for (const [key, value] of allPairs(text)) {
      if (key === name) singles.push(value);
      else if (key.startsWith(`${name}.`) && /^\d+$/.test(key.slice(name.length + 1))) lastChunks[key] = value;
    }
    let joined = '';
    for (let i = 0; i < MAX_CHUNKS && lastChunks[`${name}.${i}`] !== undefined; i++) joined += lastChunks[`${name}.${i}`];
    const out = new Set([...singles, ...(joined ? [joined] : [])]);
    out.delete(first);
    return [...out].slice(0, 4);
  }

  #read(jar: CookieJar): IncomingSession {
    const name = this.#cfg.cookie.name;
    const names: string[] = [];
    let value: string | null = null;
    if (jar[name] !== undefined) {
      names.push(name);
      value = jar[name]!;
    }
    let joined = '';
    for (let i = 0; i < MAX_CHUNKS + 1; i++) {
      const part = jar[`${name}.${i}`];
      if (part === undefined) break;
      names.push(`${name}.${i}`);
      joined += part;
    }
    if (value === null && joined) value = names.length > MAX_CHUNKS ? '' : joined;
    return { value, names };
  }

  /** The record of a cookie value unsealed before, without any work; undefined otherwise. */
  cached(value: string): CookiePayload | undefined {
    const hit = this.#unsealed.get(value.slice(-MAC_TAIL));
    return hit && hit.value === value ? hit.record : undefined;
  }

  /** Unseal a session; null for anything that is not a current, well-formed session of ours. */
  async unseal(value: string): Promise<CookiePayload | null> {
    if (!value || value.length > COOKIE_LIMIT * MAX_CHUNKS) return null;
    const hit = this.cached(value);
    if (hit) return hit;
    if (!SEAL.test(value)) return null;
    let data: unknown;
    try {
      data = await unsealData(value, { password: this.#password, ttl: this.#cfg.cookie.maxAge });
    } catch {
      return null;
    }
    if (!isSessionRecord(data) && !isSessionRef(data)) return null;
    this.#remember(value, data, Number(value.split('*')[5]));
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
    this.#remember(sealed, record, Date.now() + lifetime * 1000);
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

  /** Cache an unsealed payload: never past the seal's own expiry nor the access token's. */
  #remember(value: string, record: CookiePayload, sealExpiresAtMs: number): void {
    const ttl = Math.min(sealExpiresAtMs, 'ref' in record ? Infinity : record.expiresAt * 1000) - Date.now();
    if (ttl > 0) this.#unsealed.set(value.slice(-MAC_TAIL), { value, record }, { ttl });
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

function isSessionRef(data: unknown): data is SessionRef {
  const r = data as Partial<SessionRef> | null;
  return !!r && typeof r === 'object' && r.v === 1 && typeof r.ref === 'string' && r.ref.length > 0 && r.ref.length <= 64;
}

/** True for a well-formed session record of this version. */
export function isSessionRecord(data: unknown): data is SessionRecord {
  const r = data as Partial<SessionRecord> | null;
  return (
    !!r &&
    typeof r === 'object' &&
    r.v === 1 &&
    // Every session has its own id (what a logout ends): a record without one is not ours.
    typeof r.id === 'string' &&
    r.id.length > 0 &&
    typeof r.accessToken === 'string' &&
    typeof r.expiresAt === 'number' &&
    typeof r.createdAt === 'number' &&
    !!r.user &&
    typeof r.user === 'object' &&
    typeof r.user.id === 'string'
  );
}
