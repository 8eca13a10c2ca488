/**
 * What the request session and the routes need of the core: its configuration and its parts.
 * A narrow type of its own, so that they depend on it and not on the engine that assembles them
 * (`lib/core/engine.ts` implements it).
 *
 * @packageDocumentation
 */
import type { ResolvedConfig } from '../config.js';
import type { SessionRecord } from '../types/session.js';
import type { Provider } from './provider.js';
import type { Refresher } from './refresh.js';
import type { SessionCookies } from './session-cookie.js';
import type { BearerVerifier, TokenInspector } from './tokens.js';
import type { Transactions } from './transactions.js';
import type { AuthFields } from './view.js';

/** The parts of one configured middleware. */
export interface CoreContext {
  readonly cfg: ResolvedConfig;
  readonly provider: Provider;
  /** The session cookie: read, seal, unseal (cached), write, clear. */
  readonly cookies: SessionCookies;
  /** The sign-in transaction cookies. */
  readonly transactions: Transactions;
  readonly inspector: TokenInspector;
  readonly refresher: Refresher;
  /** The `Auth` fields of each session record, computed once per record (records are cached by cookie value). */
  readonly views: WeakMap<SessionRecord, Readonly<AuthFields>>;
  /** Verifies `Authorization: Bearer` tokens; null unless the `bearer` option is set. */
  readonly bearer: BearerVerifier | null;
  /** The absolute path of the login route with its query. */
  loginPath(params: Record<string, string | undefined>): string;
}
