/**
 * sessionkit for Koa: `koaAuth()`, `requireAuth()`, the types and the errors. Importing this
 * entry never loads Express.
 *
 * @packageDocumentation
 */
export { koaAuth, requireAuth } from './middleware/koa.js';
export type { RequireAuthOptions } from './core/engine.js';
export { MemoryCoordinator, type MemoryCoordinatorOptions, type RefreshCoordinator, type RefreshOutcome, type TokenRecord } from './core/coordinator.js';
export {
  SessionKitError,
  ConfigError,
  UnauthenticatedError,
  CallbackError,
  RefreshError,
  OrganizationSwitchError,
  ProviderUnavailableError,
  TokenError,
  type SessionKitErrorCode,
} from './errors.js';
export type * from './types.js';
