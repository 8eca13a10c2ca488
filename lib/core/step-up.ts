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
import type { SessionRecord } from '../types/session.js';
import type { RequireAuthOptions } from '../types/hooks.js';
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

/** The step-up a sign-in asked for, from the checked parameters of {@link stepUpParams}. */
export function stepUpOfParams(params: Record<string, string>): { acr?: string[]; maxAge?: number } {
  const asked: { acr?: string[]; maxAge?: number } = {};
  if (params.acr_values) asked.acr = params.acr_values.split(' ');
  if (params.max_age) asked.maxAge = Number(params.max_age);
  return asked;
}

/** Seconds of clock difference between provider and app allowed on `auth_time` at the callback. */
export const AUTH_TIME_SKEW = 60;

/**
 * Why the ID token of a step-up sign-in does not show what was asked (`acr` not among the asked
 * values, `auth_time` missing or older than `max_age`), or null when it does. The callback then
 * refuses the sign-in (the previous session stays): a provider that ignores `acr_values` would
 * otherwise send the browser round and round between the guard and the provider.
 */
export function unmetStepUp(asked: { acr?: string[]; maxAge?: number } | undefined, idClaims: Record<string, unknown>, now: number): string | null {
  if (!asked) return null;
  const { acr, authTime } = fromClaims(idClaims);
  if (asked.acr?.length && !(acr !== undefined && asked.acr.includes(acr))) return 'the provider did not sign in with any of the acr values asked for';
  if (asked.maxAge !== undefined && !(authTime !== undefined && now - authTime <= asked.maxAge + AUTH_TIME_SKEW)) return 'the provider did not sign in afresh (auth_time missing or older than max_age)';
  return null;
}
