/**
 * What both entry points (`sessionkit` and `sessionkit/koa`) export besides their adapter: the
 * errors, the in-memory coordinator and the types.
 *
 * @packageDocumentation
 */
export { memoryStore, type MemoryStoreOptions, type SessionStore } from './core/store.js';
export {
  MemoryCoordinator,
  isMemoFresh,
  refreshKey,
  type CoordinateOptions,
  type CoordinatorContext,
  type MemoryCoordinatorOptions,
  type OutcomeSource,
  type RefreshCoordinator,
  type RefreshOutcome,
  type TokenRecord,
} from './core/coordinator.js';
export {
  SessionKitError,
  ConfigError,
  UnauthenticatedError,
  CallbackError,
  RefreshError,
  OrganizationSwitchError,
  ProviderUnavailableError,
  TokenError,
  SessionTooLargeError,
  StoreUnavailableError,
  UsageError,
  type CallbackFailure,
  type SessionKitErrorCode,
} from './errors.js';
export type * from './types.js';
