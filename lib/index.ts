/**
 * sessionkit for Express: `authMiddleware()`, `requireAuth()`, the types and the errors.
 *
 * @packageDocumentation
 */
export { authMiddleware, requireAuth } from './middleware/express.js';
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
