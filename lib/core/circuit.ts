/**
 * A circuit for the provider's token endpoint: after a few consecutive transient failures,
 * refresh attempts rest for a cool-down (growing, with jitter) so that requests stop waiting on a
 * dead provider; then one probe at a time tries, and the first success closes it.
 *
 * @packageDocumentation
 */
import type { Logger } from '../types/session.js';

/** Options of {@link Circuit}. */
export interface CircuitOptions {
  /** Consecutive transient failures that open the circuit (default 3). */
  threshold?: number;
  /** First cool-down, ms (default 1000); doubles on each failed probe. */
  baseDelay?: number;
  /** Longest cool-down, ms (default 30 000). */
  maxDelay?: number;
  /** Where transitions are told (at `debug`). */
  logger?: Logger;
  /** The clock, ms (tests). */
  now?: () => number;
}

/** The circuit of one provider. */
export class Circuit {
  readonly #threshold: number;
  readonly #base: number;
  readonly #max: number;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  #failures = 0;
  #delay = 0;
  #openUntil = 0;
  #probing = false;

  constructor(options: CircuitOptions = {}) {
    this.#threshold = options.threshold ?? 3;
    this.#base = options.baseDelay ?? 1000;
    this.#max = options.maxDelay ?? 30_000;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  /** True while attempts rest (open, or half-open with a probe already out). */
  get isOpen(): boolean {
    return this.#failures >= this.#threshold && (this.#now() < this.#openUntil || this.#probing);
  }

  /**
   * May an attempt go to the provider now? `'closed'` while closed; `false` while open; once the
   * cool-down is over, `'probe'` for exactly one caller until it reports back. Hand the answer
   * back to {@link failed}.
   */
  allow(): 'closed' | 'probe' | false {
    if (this.#failures < this.#threshold) return 'closed';
    if (this.#now() < this.#openUntil || this.#probing) return false;
    this.#probing = true;
    this.#logger?.debug?.({ failures: this.#failures }, 'sessionkit: refresh circuit half-open, one probe goes to the provider');
    return 'probe';
  }

  /** The provider answered (a success, or a refusal: either way it is there). */
  succeeded(): void {
    if (this.#failures >= this.#threshold) this.#logger?.debug?.({}, 'sessionkit: refresh circuit closed, the provider answers again');
    this.#failures = 0;
    this.#delay = 0;
    this.#probing = false;
  }

  /**
   * The provider could not be had (network error, timeout, 408, 429, 5xx). `by` is what
   * {@link allow} answered that attempt: attempts that set out while the circuit was still closed
   * and fail after it opened do not lengthen the rest; only the first opening and a failed probe do.
   */
  failed(by: 'closed' | 'probe'): void {
    this.#failures++;
    if (by === 'probe') this.#probing = false;
    if (this.#failures < this.#threshold || (by === 'closed' && this.#failures > this.#threshold)) return;
    this.#delay = this.#delay ? Math.min(this.#max, this.#delay * 2) : this.#base;
    const wait = Math.round(this.#delay * (0.8 + 0.4 * Math.random()));
    this.#openUntil = this.#now() + wait;
    this.#logger?.debug?.({ failures: this.#failures, coolDownMs: wait }, 'sessionkit: refresh circuit open, refresh attempts rest');
  }
}
