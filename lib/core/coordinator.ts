/**
 * Refresh coordination: one refresh grant per refresh token, however many requests carry it
 * (single flight), and a short memo of the result for requests that arrive later with the
 * pre-rotation cookie (rotation memo). In-memory here; `sessionkit/redis` shares it between
 * instances behind the same interface.
 *
 * @packageDocumentation
 */
import { LRUCache } from 'lru-cache';

/** What a refresh grant produced, as stored in the memo. */
export interface TokenRecord {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Access-token expiry, Unix seconds. */
  expiresAt: number;
}

/** A completed refresh: the new tokens and the organization it was asked for (`null` = keep). */
export interface RefreshOutcome {
  tokens: TokenRecord;
  target: string | null;
}

/**
 * Shares refresh grants between concurrent requests (and, for shared implementations, between
 * instances), and remembers which sessions have ended (logout, back-channel logout) so that a
 * replayed cookie of an ended session is refused. Keys are hashes or identifiers, never tokens.
 */
export interface RefreshCoordinator {
  /**
   * Return the memoized outcome for `key`, or join the grant in flight for it, or run `refresh`
   * (remembering its outcome for a while). A rejected `refresh` is handed to every waiter and not
   * remembered.
   */
  coordinate(key: string, target: string | null, refresh: () => Promise<TokenRecord>): Promise<RefreshOutcome>;
  /**
   * Record that the sessions named by `keys` (`session:<id>`, `sid:<provider session>`,
   * `sub:<user>`) that began at or before `at` (Unix seconds) have ended; remember it `ttl` seconds.
   */
  endSessions(keys: readonly string[], at: number, ttl: number): void | Promise<void>;
  /** The latest end recorded for any of `keys`, Unix seconds; undefined when none. */
  endedAt(keys: readonly string[]): number | undefined | Promise<number | undefined>;
}

/** Options of {@link MemoryCoordinator}. */
export interface MemoryCoordinatorOptions {
  /** How long a rotated result answers late requests, ms (default 60 000). */
  memoTtl?: number;
  /** Most memo entries kept (default 10 000). */
  max?: number;
  /** Most ended-session entries kept (default 100 000). */
  maxEnded?: number;
}

/** The in-process {@link RefreshCoordinator}: enough for one server process. */
export class MemoryCoordinator implements RefreshCoordinator {
  readonly #inFlight = new Map<string, Promise<RefreshOutcome>>();
  readonly #memo: LRUCache<string, RefreshOutcome>;
  readonly #ended: LRUCache<string, number>;

  constructor(options: MemoryCoordinatorOptions = {}) {
    this.#memo = new LRUCache({ max: options.max ?? 10_000, ttl: options.memoTtl ?? 60_000 });
    this.#ended = new LRUCache({ max: options.maxEnded ?? 100_000 });
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

  coordinate(key: string, target: string | null, refresh: () => Promise<TokenRecord>): Promise<RefreshOutcome> {
    const done = this.#memo.get(key);
    if (done) return Promise.resolve(done);
    let flight = this.#inFlight.get(key);
    if (!flight) {
      flight = refresh().then(
        (tokens) => {
          const outcome = { tokens, target };
          this.#memo.set(key, outcome);
          this.#inFlight.delete(key);
          return outcome;
        },
        (error: unknown) => {
          this.#inFlight.delete(key);
          throw error;
        },
      );
      this.#inFlight.set(key, flight);
    }
    return flight;
  }
}
