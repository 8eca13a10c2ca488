/**
 * Step-up authentication (RFC 9470): `requireAuth({ acr, maxAge })` asks how the user signed in
 * (the `acr` claim) and when (`auth_time`), not only who they are. A session that does not meet
 * the requirement is sent back through the login route with `acr_values` / `max_age` (and
 * `prompt=login` when only a fresh sign-in will do); its tokens are re-checked on every request,
 * so whatever the provider answers, nothing weaker than asked ever passes the guard.
 *
 * @packageDocumentation
 */
import { ConfigError } from '../errors.js';
import type { RequireAuthOptions, SessionRecord } from '../types.js';
import { idTokenClaims } from './tokens.js';

/** How (and when) the user of a session or bearer token authenticated. */
export interface Authentication {
  /** The `acr` claim: the Authentication Context Class Reference the provider vouches for. */
  acr?: string;
  /** The `auth_time` claim: when the user last authenticated at the provider, Unix seconds. */
  authTime?: number;
}

/** What a refused request must do to pass: the `acr_values` / `max_age` to ask the provider for. */
export interface StepUp {
  /** The acceptable `acr` values (the requirement's, in its order); absent when none is required. */
  acrValues?: string[];
  /** The requirement's `maxAge`, seconds; absent when none is required. */
  maxAge?: number;
  /** True when the sign-in is too old (or its time unknown): the provider must authenticate afresh. */
  fresh: boolean;
}

const ID_TOKEN_AUTHN = new WeakMap<SessionRecord, Authentication>();

/**
 * The authentication of a session (from its ID token's claims: the session record keeps the ID
 * token of its last sign-in or refresh) or of a bearer token (its own claims, RFC 9068 §2.2.1).
 */
export function authenticationOf(record: SessionRecord | null, bearerClaims: Record<string, unknown> | null): Authentication {
  if (bearerClaims) return fromClaims(bearerClaims);
  if (!record) return {};
  let authn = ID_TOKEN_AUTHN.get(record);
  if (!authn) {
    authn = fromClaims(idTokenClaims(record.idToken));
    ID_TOKEN_AUTHN.set(record, authn);
  }
  return authn;
}

function fromClaims(claims: Record<string, unknown>): Authentication {
  const authn: Authentication = {};
  if (typeof claims.acr === 'string' && claims.acr) authn.acr = claims.acr;
  if (typeof claims.auth_time === 'number' && Number.isFinite(claims.auth_time)) authn.authTime = claims.auth_time;
  return authn;
}

/**
 * Null when `authn` meets the step-up part of `options` (`acr`: the `acr` is one of them;
 * `maxAge`: `auth_time` is at most that many seconds before `now`); else what to ask for. A
 * missing claim never meets a requirement. Pure.
 */
export function stepUpOf(authn: Authentication, options: Pick<RequireAuthOptions, 'acr' | 'maxAge'>, now: number): StepUp | null {
  const { acr, maxAge } = options;
  const acrMissing = !!acr?.length && !(authn.acr !== undefined && acr.includes(authn.acr));
  const tooOld = maxAge !== undefined && !(authn.authTime !== undefined && now - authn.authTime <= maxAge);
  if (!acrMissing && !tooOld) return null;
  const stepUp: StepUp = { fresh: tooOld };
  if (acr?.length) stepUp.acrValues = [...acr];
  if (maxAge !== undefined) stepUp.maxAge = maxAge;
  return stepUp;
}

/** An `acr` value as it may travel in `acr_values` and a quoted challenge parameter. */
export const ACR_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;

/**
 * Validate `requireAuth()`'s step-up options once, when the guard is made.
 *
 * @throws {ConfigError} naming `requireAuth.acr` or `requireAuth.maxAge`.
 */
export function checkStepUpOptions(options: Pick<RequireAuthOptions, 'acr' | 'maxAge'>): void {
  const { acr, maxAge } = options;
  if (acr !== undefined && (!Array.isArray(acr) || acr.some((value) => typeof value !== 'string' || !ACR_VALUE.test(value)))) {
    throw new ConfigError('requireAuth.acr', undefined, `must be a list of acr values (printable, without spaces, quotes or backslashes), got ${JSON.stringify(acr)}`);
  }
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0)) {
    throw new ConfigError('requireAuth.maxAge', undefined, `must be a whole number of seconds (0 or more), got ${JSON.stringify(maxAge)}`);
  }
}

/** The login-route query that performs the step-up (read back by the login route). */
export function stepUpQuery(stepUp: StepUp): Record<string, string | undefined> {
  return {
    acr_values: stepUp.acrValues?.join(' '),
    max_age: stepUp.maxAge !== undefined ? String(stepUp.maxAge) : undefined,
    prompt: stepUp.fresh ? 'login' : undefined,
  };
}

/**
 * The step-up parameters of a login-route query, checked: `acr_values` (space-separated acr
 * values, at most 10), `max_age` (whole seconds), `prompt` (only `login`). Anything else is
 * dropped: these only make the provider ask for more, and the guard re-checks what comes back.
 */
export function stepUpParams(query: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = {};
  const acrValues = query.get('acr_values');
  if (acrValues && acrValues.length <= 1024) {
    const values = acrValues.split(' ');
    if (values.length <= 10 && values.every((v) => ACR_VALUE.test(v))) params.acr_values = values.join(' ');
  }
  const maxAge = query.get('max_age');
  if (maxAge && /^\d{1,9}$/.test(maxAge)) params.max_age = String(Number(maxAge));
  if (query.get('prompt') === 'login') params.prompt = 'login';
  return params;
}
