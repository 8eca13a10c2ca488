/**
 * sessionkit's errors: one small hierarchy, each class with a stable string `code`
 * that callers can switch on. Messages never contain token values.
 *
 * @packageDocumentation
 */

/** Stable error codes raised by sessionkit. */
export type SessionKitErrorCode =
  | 'SESSIONKIT_CONFIG_INVALID'
  | 'SESSIONKIT_UNAUTHENTICATED'
  | 'SESSIONKIT_CALLBACK_FAILED'
  | 'SESSIONKIT_REFRESH_FAILED'
  | 'SESSIONKIT_ORGANIZATION_SWITCH_REFUSED'
  | 'SESSIONKIT_PROVIDER_UNAVAILABLE'
  | 'SESSIONKIT_TOKEN_INVALID'
  | 'SESSIONKIT_SESSION_TOO_LARGE'
  | 'SESSIONKIT_STORE_UNAVAILABLE'
  | 'SESSIONKIT_TEST_KIT'
  | 'SESSIONKIT_USAGE';

/** Base class of every error sessionkit throws or hands to a hook. */
export class SessionKitError extends Error {
  /** Stable, machine-readable code. */
  readonly code: SessionKitErrorCode;

  constructor(code: SessionKitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A missing or invalid option; thrown by `authMiddleware()` / `koaAuth()` at start-up. */
export class ConfigError extends SessionKitError {
  /** The option path, e.g. `cookie.password`. */
  readonly option: string;
  /** The environment variable that can set it, when there is one. */
  readonly envVar: string | undefined;

  /** Every problem found at start-up (this error alone when there was one). */
  readonly problems: readonly ConfigError[];

  constructor(option: string, envVar: string | undefined, problem: string) {
    super(
      'SESSIONKIT_CONFIG_INVALID',
      `sessionkit: option \`${option}\`${envVar ? ` (env ${envVar})` : ''} ${problem}`,
    );
    this.option = option;
    this.envVar = envVar;
    this.problems = [this];
  }

  /** One error for several problems: named after the first, its message lists them all. */
  static all(problems: readonly ConfigError[]): ConfigError {
    const first = problems[0];
    const error = new ConfigError(first.option, first.envVar, '');
    error.message = `sessionkit: ${problems.length} problems with the options:\n${problems.map((p) => `  - ${p.message.replace(/^sessionkit: /, '')}`).join('\n')}`;
    (error as { problems: readonly ConfigError[] }).problems = problems;
    return error;
  }
}

/** The request needs a signed-in user and has none (`auth.refresh({ ensureSignedIn: true })`). */
export class UnauthenticatedError extends SessionKitError {
  constructor(message = 'not signed in') {
    super('SESSIONKIT_UNAUTHENTICATED', message);
  }
}

/**
 * Why a sign-in callback failed: the `state` does not match a sign-in in progress, none is in
 * progress, the provider returned an error, the code exchange or the ID token failed, the request
 * is malformed, the session would not fit in the browser's cookies, or the provider did not perform
 * the step-up (`acr`, `max_age`) the sign-in asked for.
 */
export type CallbackFailure = 'state_mismatch' | 'missing_transaction' | 'provider_error' | 'exchange_failed' | 'invalid_request' | 'session_too_large' | 'step_up_failed';

/**
 * A sign-in callback that cannot complete: state mismatch, no login in progress, an error
 * returned by the provider, a code already used, an ID token that does not validate.
 */
export class CallbackError extends SessionKitError {
  /** Why, as a short stable reason. */
  readonly reason: CallbackFailure;
  /** The provider's OAuth `error` code when it returned one. */
  readonly oauthError: string | undefined;

  constructor(reason: CallbackFailure, message: string, options?: { cause?: unknown; oauthError?: string }) {
    super('SESSIONKIT_CALLBACK_FAILED', message, options);
    this.reason = reason;
    this.oauthError = options?.oauthError;
  }
}

/**
 * A refresh grant that failed. `isTransient` is true for network errors, timeouts, 408, 429 and
 * 5xx (the session is kept); false when the provider refused the refresh token (the session ends).
 */
export class RefreshError extends SessionKitError {
  /** True when trying again later may succeed. */
  readonly isTransient: boolean;
  /** The provider's OAuth `error` code when it returned one (`invalid_grant`, …). */
  readonly oauthError: string | undefined;
  /** The HTTP status the provider answered with, when it answered. */
  readonly status: number | undefined;
  /** True when no attempt was made: refresh attempts rest after repeated provider failures. */
  readonly circuitOpen: boolean;

  /** `info.cause` is kept only as its name, code and message (see {@link sanitizedCause}). */
  constructor(
    message: string,
    info: { isTransient: boolean; oauthError?: string; status?: number; cause?: unknown; circuitOpen?: boolean },
    code: SessionKitErrorCode = 'SESSIONKIT_REFRESH_FAILED',
  ) {
    super(code, message, { cause: sanitizedCause(info.cause) });
    this.isTransient = info.isTransient;
    this.oauthError = info.oauthError;
    this.status = info.status;
    this.circuitOpen = info.circuitOpen ?? false;
  }
}

/**
 * An error's name, code and message, and nothing else: openid-client keeps the provider's
 * response body on its errors, and after a refresh that body holds live tokens, which must never
 * reach a hook, a log or an error tracker. sessionkit's own errors are kept as they are (they are
 * built sanitized).
 */
export function sanitizedCause(cause: unknown): Error | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof SessionKitError) return cause;
  const source = cause as { name?: unknown; code?: unknown; message?: unknown; status?: unknown; error?: unknown };
  const copy = new Error(typeof source.message === 'string' ? source.message : String(cause));
  copy.name = typeof source.name === 'string' ? source.name : 'Error';
  const extra = copy as Error & { code?: string; status?: number; error?: string };
  if (typeof source.code === 'string') extra.code = source.code;
  if (typeof source.status === 'number') extra.status = source.status;
  if (typeof source.error === 'string') extra.error = source.error;
  return copy;
}

/** The provider refused to move the session into the requested organization. */
export class OrganizationSwitchError extends RefreshError {
  /** The organization that was asked for. */
  readonly organizationId: string;
  /** True when the provider asks the user to sign in again for that organization. */
  readonly reauthenticationRequired: boolean;

  constructor(organizationId: string, cause: RefreshError, reauthenticationRequired: boolean) {
    super(
      `the provider refused organization ${organizationId}: ${cause.oauthError ?? cause.message}`,
      { isTransient: cause.isTransient, oauthError: cause.oauthError, status: cause.status, cause },
      'SESSIONKIT_ORGANIZATION_SWITCH_REFUSED',
    );
    this.organizationId = organizationId;
    this.reauthenticationRequired = reauthenticationRequired;
  }
}

/** The provider could not be reached (discovery, JWKS) or answered with a server error. */
export class ProviderUnavailableError extends SessionKitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SESSIONKIT_PROVIDER_UNAVAILABLE', message, options);
  }
}

/** A token that does not verify (signature, issuer, malformed). */
export class TokenError extends SessionKitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SESSIONKIT_TOKEN_INVALID', message, options);
  }
}

/**
 * The session does not fit in the cookies a browser can send back (more than a couple of 4 KB
 * chunks, and every request would be refused `431` past 16 KB of headers): keep sessions on the
 * server with the `store` option.
 */
export class SessionTooLargeError extends SessionKitError {
  /** The size of the sealed session, bytes. */
  readonly size: number;

  constructor(size: number, limit: number) {
    super(
      'SESSIONKIT_SESSION_TOO_LARGE',
      `sessionkit: the sealed session is ${size} bytes, more than the ${limit} that fit in the cookies a browser sends back; use the \`store\` option (memoryStore(), redisStore()) to keep sessions on the server`,
    );
    this.size = size;
  }
}

/**
 * sessionkit used the wrong way by the application: `requireAuth()` without the middleware in
 * front of it, an invalid argument to an `Auth` method. A programming error, not a user's.
 */
export class UsageError extends SessionKitError {
  constructor(message: string) {
    super('SESSIONKIT_USAGE', message);
  }
}

/**
 * The shared session store or coordinator (Redis) did not answer in time or is not connected.
 * sessionkit treats it as an outage: the request goes on signed out and the cookie is kept.
 */
export class StoreUnavailableError extends SessionKitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SESSIONKIT_STORE_UNAVAILABLE', message, options);
  }
}
