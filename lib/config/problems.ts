/**
 * Every problem with the options, collected: one start-up names them all, not one per restart.
 *
 * @packageDocumentation
 */
import { ConfigError } from '../errors.js';
import { fromEnv, type Env, type EnvOption } from './env.js';

/** The problems found so far, and the helpers that find them. */
export class Problems {
  readonly #list: ConfigError[] = [];
  readonly #env: Env;

  constructor(env: Env) {
    this.#env = env;
  }

  /** Note a problem. */
  push(problem: ConfigError): void {
    this.#list.push(problem);
  }

  /** `check()`'s value; `fallback` (and the problem noted) when it throws a {@link ConfigError}. */
  attempt<T>(check: () => T, fallback: T): T {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.#list.push(error);
      return fallback;
    }
  }

  /** The option's value in code, else its variable's; an empty string counts as not given. */
  pick(value: string | undefined, option: EnvOption): string | undefined {
    return value === undefined || value === null ? fromEnv(this.#env, option) : value || undefined;
  }

  /** @throws {ConfigError} the one problem, or one listing them all. */
  throwIfAny(): void {
    if (this.#list.length) throw this.#list.length === 1 ? this.#list[0] : ConfigError.all(this.#list);
  }
}
