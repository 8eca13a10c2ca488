/**
 * Refresh coordination: one refresh grant per refresh token, however many requests carry it
 * (single flight), and a short memo of the result for requests that arrive later with the
 * pre-rotation cookie (rotation memo). In-memory here; `sessionkit/redis` shares it between
 * instances behind the same interface.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../types/session.js';

/** What a refresh grant produced, as stored in the memo. */
export interface TokenRecord {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Access-token expiry, Unix seconds. */
  expiresAt: number;
}

/** How a caller of {@link RefreshCoordinator.coordinate} got its tokens. */
export type OutcomeSource =
  /** this call ran the grant */
  | 'grant'
  /** this call waited for a grant that was in flight when it arrived */
  | 'joined'
  /** a grant that had already finished answered from the memo (a late request with the old cookie) */
  | 'memo';

/** A completed refresh: the new tokens, the organization it was asked for (`null` = keep), and how they were had. */
export interface RefreshOutcome {
  tokens: TokenRecord;
  target: string | null;
  source: OutcomeSource;
}

/** What {@link RefreshCoordinator.coordinate} needs to judge a memoized result. */
export interface CoordinateOptions {
  /**
   * The refresh buffer, seconds. A memoized result under an *unchanged* refresh token (the
   * provider does not rotate) answers later requests only while its access token has more than
   * this left; otherwise it is a miss and a new grant runs.
   */
  buffer: number;
  /**
   * The access-token expiry (Unix seconds) of the session asking. A shared coordinator that cannot
   * coordinate (its backend is down or did not answer) spends the refresh token on its own only
   * once this has passed: until then it fails the refresh as transient (the session keeps its
   * valid token), since another instance may be spending the same token, and a rotating
   * provider revokes the grant when a token is spent twice. Omitted: no such deferral.
   */
  expiresAt?: number;
}

/** What the middleware hands a coordinator once, before the first request ({@link RefreshCoordinator.attach}). */
export interface CoordinatorContext {
  /** Seal data with the cookie password (what a shared coordinator stores must not hand out tokens). */
  seal(data: unknown): Promise<string>;
  /** Unseal what {@link seal} produced; null when it does not unseal. */
  unseal(sealed: string): Promise<unknown>;
  /** The middleware's logger (never log token values). */
  logger: Logger;
}

/**
 * Shares refresh grants between concurrent requests (and, for shared implementations, between
 * instances), and remembers which sessions have ended (logout, back-channel logout) so that a
 * replayed cookie of an ended session is refused. Keys are hashes or identifiers, never tokens.
 *
 * The memo rule every implementation follows (see {@link isMemoFresh}): a memoized result whose
 * refresh token differs from the one it is keyed by (rotation happened) answers any later request
 * that carries the spent token; a result under an unchanged refresh token answers only the
 * requests that waited for that grant, or later ones while its access token is outside the
 * refresh buffer.
 */
export interface RefreshCoordinator {
  /**
   * Return the memoized outcome for `key` (when {@link isMemoFresh}), or join the grant in flight
   * for it, or run `refresh` (remembering its outcome for a short while). A rejected `refresh` is
   * handed to every waiter and not remembered.
   */
  coordinate(key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome>;
  /**
   * Record that the sessions named by `keys` (`session:<id>`, `sid:<provider session>`,
   * `sub:<user>`) that began at or before `at` (Unix seconds) have ended; remember it `ttl` seconds.
   */
  endSessions(keys: readonly string[], at: number, ttl: number): void | Promise<void>;
  /** The latest end recorded for any of `keys`, Unix seconds; undefined when none. */
  endedAt(keys: readonly string[]): number | undefined | Promise<number | undefined>;
  /**
   * Remember `key` (e.g. a back-channel logout token's `jti`) for `ttl` seconds: true when it was
   * new, false when it was already remembered (a replay).
   */
  remember(key: string, ttl: number): boolean | Promise<boolean>;
  /** Optional: called once by each middleware that uses this coordinator, before its first request. */
  attach?(context: CoordinatorContext): void;
}

/** The key a refresh token is coordinated under: a hash, never the token. */
export function refreshKey(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('base64url');
}

/**
 * The memo rule: may a result remembered under `key` answer a request that arrives now? Yes when
 * the refresh token was rotated (the key's token is spent: adopting the result is the request's
 * refresh), or while the access token is still outside the refresh `buffer`.
 */
export function isMemoFresh(key: string, tokens: TokenRecord, buffer: number, nowSeconds = Date.now() / 1000): boolean {
  const rotated = tokens.refreshToken !== undefined && refreshKey(tokens.refreshToken) !== key;
  return rotated || tokens.expiresAt - nowSeconds > buffer;
}

/**
 * The in-process half of every coordinator: one flight per key (concurrent callers join it) and a
 * short memo of finished flights, answered only under the memo rule ({@link isMemoFresh}). A
 * rejected flight is handed to every waiter and not remembered.
 */
export class LocalFlights {
  readonly #inFlight = new Map<string, Promise<RefreshOutcome>>();
  readonly #memo: LRUCache<string, RefreshOutcome>;

  constructor(options: { memoTtl?: number; max?: number } = {}) {
    this.#memo = new LRUCache({ max: options.max ?? 10_000, ttl: options.memoTtl ?? 10_000 });
  }

  /** The memoized outcome for `key`, the flight in progress for it, or a new flight from `start`. */
  run(key: string, options: CoordinateOptions, start: () => Promise<RefreshOutcome>): Promise<RefreshOutcome> {
    const done = this.#memo.get(key);
    if (done) {
      if (isMemoFresh(key, done.tokens, options.buffer)) return Promise.resolve({ ...done, source: 'memo' });
      this.#memo.delete(key);
    }
    const flight = this.#inFlight.get(key);
    if (flight) return flight.then((outcome) => ({ ...outcome, source: 'joined' as const }));
    const started = start().then(
      (outcome) => {
        this.#memo.set(key, outcome);
        this.#inFlight.delete(key);
        return outcome;
      },
      (error: unknown) => {
        this.#inFlight.delete(key);
        throw error;
      },
    );
    this.#inFlight.set(key, started);
    return started;
  }
}

/** Options of {@link MemoryCoordinator}. */
export interface MemoryCoordinatorOptions {
  /** How long a finished grant answers late requests, ms (default 10 000). */
  memoTtl?: number;
  /** Most memo entries kept (default 10 000). */
  max?: number;
  /** Most ended-session entries kept (default 100 000). */
  maxEnded?: number;
}

/** The in-process {@link RefreshCoordinator}: enough for one server process. */
export class MemoryCoordinator implements RefreshCoordinator {
  readonly #flights: LocalFlights;
  readonly #ended: LRUCache<string, number>;
  readonly #remembered: LRUCache<string, true>;
  #logger: Logger | undefined;
  #lastFullWarning = 0;

  constructor(options: MemoryCoordinatorOptions = {}) {
    this.#flights = new LocalFlights(options);
    // An entry pushed out before its time revives a logged-out cookie: say so (once a minute).
    const full = (what: string) => (_value: unknown, _key: string, reason: string) => {
      if (reason !== 'evict' || Date.now() - this.#lastFullWarning < 60_000) return;
      this.#lastFullWarning = Date.now();
      this.#logger?.warn(
        { list: what, max: options.maxEnded ?? 100_000 },
        'sessionkit: the in-memory list of ended sessions is full; the oldest ends are forgotten (use a shared coordinator such as redisCoordinator(), or raise maxEnded)',
      );
    };
    this.#ended = new LRUCache<string, number>({ max: options.maxEnded ?? 100_000, dispose: full('ended') });
    this.#remembered = new LRUCache<string, true>({ max: options.maxEnded ?? 100_000, dispose: full('remembered') });
  }

  attach(context: CoordinatorContext): void {
    this.#logger ??= context.logger;
  }

  endSessions(keys: readonly string[], at: number, ttl: number): void {
    for (const key of keys) {
      const previous = this.#ended.get(key) ?? 0;
      this.#ended.set(key, Math.max(previous, at), { ttl: ttl * 1000 });
    }
  }

  endedAt(keys: readonly string[]): number | undefined {
    if (this.#ended.size === 0) return undefined;
    let latest: number | undefined;
    for (const key of keys) {
      const at = this.#ended.get(key);
      if (at !== undefined && (latest === undefined || at > latest)) latest = at;
    }
    return latest;
  }

  remember(key: string, ttl: number): boolean {
    if (this.#remembered.has(key)) return false;
    this.#remembered.set(key, true, { ttl: Math.max(1, ttl) * 1000 });
    return true;
  }

  coordinate(key: string, target: string | null, refresh: () => Promise<TokenRecord>, options: CoordinateOptions): Promise<RefreshOutcome> {
    return this.#flights.run(key, options, () => refresh().then((tokens) => ({ tokens, target, source: 'grant' as const })));
  }
}
