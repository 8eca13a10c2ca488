/**
 * How the provider's failures are read: which refresh failures end a session (the provider
 * refusing) and which keep it (an outage), and how an error is described in logs without tokens.
 *
 * @packageDocumentation
 */
import * as oidc from 'openid-client';
import { RefreshError } from '../errors.js';

/** OAuth errors that say "the provider itself is failing": transient even on a 400. */
const TRANSIENT_OAUTH_ERRORS = new Set(['temporarily_unavailable', 'server_error', 'slow_down', 'use_dpop_nonce']); // use_dpop_nonce: a second challenge in a row (openid-client answers one); the refresh token is unspent

/**
 * openid-client codes raised only after a `200` was read (its body did not parse or was not a
 * token response): the provider may have spent the refresh token, so the failure is terminal.
 */
const AFTER_200 = new Set(['OAUTH_PARSE_ERROR', 'OAUTH_INVALID_RESPONSE', 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'OAUTH_UNSUPPORTED_OPERATION']);

/** True for HTTP statuses that say "try again later". */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Classify a refresh failure. The provider refusing — any `400` or `401`, with a JSON body or
 * without (except the OAuth error `temporarily_unavailable` and its kin) — is terminal, and so is
 * a `200` that is not a token response (the refresh token may be spent). Network errors,
 * timeouts, 408, 429 and 5xx are transient, so that an outage never logs anyone out.
 */
export function toRefreshError(error: unknown): RefreshError {
  if (error instanceof RefreshError) return error;
  if (error instanceof oidc.ResponseBodyError) {
    const transient = !(error.status === 400 || error.status === 401) || TRANSIENT_OAUTH_ERRORS.has(error.error);
    return new RefreshError(`the provider answered ${error.status} ${error.error}`, {
      isTransient: transient,
      oauthError: error.error,
      status: error.status,
      cause: error,
    });
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    // A 400/401 with a `WWW-Authenticate` challenge (RFC 6749 §5.2: `invalid_client` with HTTP
    // Basic): the provider refusing, like any other 400/401.
    const challenge = error.cause?.find((c) => typeof c.parameters?.error === 'string')?.parameters.error;
    const refused = error.status === 400 || error.status === 401;
    return new RefreshError(`the provider answered ${error.status} with a WWW-Authenticate challenge${challenge ? ` (${challenge})` : ''}`, {
      isTransient: !refused || (typeof challenge === 'string' && TRANSIENT_OAUTH_ERRORS.has(challenge)),
      oauthError: typeof challenge === 'string' ? challenge.slice(0, 64) : undefined,
      status: error.status,
      cause: error,
    });
  }
  const status = responseStatus(error);
  const code = (error as { code?: unknown })?.code;
  if (status === 400 || status === 401) {
    return new RefreshError(`the provider refused the refresh (HTTP ${status}, no OAuth error body)`, { isTransient: false, status, cause: error });
  }
  // A JSON 200 that is not a token response came from the provider itself (an HTML 200 is a
  // maintenance page in front of it, which spent nothing: transient below).
  if (status === undefined && typeof code === 'string' && AFTER_200.has(code)) {
    return new RefreshError(`the provider answered the refresh with something that is not a token response: ${describe(error)}`, {
      isTransient: false,
      status: 200,
      cause: error,
    });
  }
  return new RefreshError(`the refresh grant failed: ${describe(error)}${status ? ` (HTTP ${status})` : ''}`, {
    // 5xx, 408, 429, and anything that is not the provider clearly refusing (a 403 or 404 from a
    // proxy in between): the session is kept.
    isTransient: true,
    status,
    cause: error,
  });
}

/** The HTTP status of the response an openid-client error is about, when there was one. */
function responseStatus(error: unknown): number | undefined {
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof Response) return cause.status;
  return undefined;
}

/** A short description of an error for logs: its class and code, never token values. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  }
  return String(error);
}
