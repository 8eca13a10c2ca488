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
 * instances). `key` is a hash of the refresh token, never the token itself.
 */
export interface RefreshCoordinator {
  /**
   * Return the memoized outcome for `key`, or join the grant in flight for it, or run `refresh`
   * (remembering its outcome for a while). A rejected `refresh` is handed to every waiter and not
   * remembered.
   */
  coordinate(key: string, target: string | null, refresh: () => Promise<TokenRecord>): Promise<RefreshOutcome>;
}

/** Options of {@link MemoryCoordinator}. */
export interface MemoryCoordinatorOptions {
  /** How long a rotated result answers late requests, ms (default 60 000). */
  memoTtl?: number;
  /** Most memo entries kept (default 10 000). */
  max?: number;
}

/** The in-process {@link RefreshCoordinator}: enough for one server process. */
export class MemoryCoordinator implements RefreshCoordinator {
  readonly #inFlight = new Map<string, Promise<RefreshOutcome>>();
  readonly #memo: LRUCache<string, RefreshOutcome>;

  constructor(options: MemoryCoordinatorOptions = {}) {
    this.#memo = new LRUCache({ max: options.max ?? 10_000, ttl: options.memoTtl ?? 60_000 });
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
