/**
 * The refusals that speak RFC 6750 §3 and RFC 9470 §3: a refused bearer token (`invalid_token`,
 * `invalid_request`), a bearer request without a permission (`insufficient_scope`), and a session
 * or bearer token whose authentication is too weak or too old (`insufficient_user_authentication`,
 * the step-up). `Core.deny` and `Core.denialReply` call in here.
 *
 * @packageDocumentation
 */
import type { Auth } from '../types/session.js';
import type { Denial, RequireAuthOptions } from '../types/hooks.js';
import { bearerChallenge, bearerProblemOf, INVALID_REQUEST, INVALID_TOKEN, isBearerAuth } from './bearer-errors.js';
import { acceptsHtml, json, redirect, type Reply, type RequestView } from './http.js';
import { SessionAuth } from './auth.js';
import { now } from './policy.js';
import { authenticationOf, stepUpOf, stepUpQuery } from './step-up.js';

/** A signed-out denial of a request whose bearer credentials were refused carries why (and 400 for a malformed header). */
export function withBearerProblem(denial: Denial | null, auth: Auth): Denial | null {
  const problem = bearerProblemOf(auth);
  if (!denial || denial.reason !== 'unauthenticated' || !problem) return denial;
  const refused: Denial = { ...denial, status: problem.error === 'invalid_request' ? 400 : 401, bearerError: problem.error };
  DESCRIPTIONS.set(refused, problem.description);
  return refused;
}

/** The fixed words of each refused-token denial made here (expired, or invalid). */
const DESCRIPTIONS = new WeakMap<Denial, string>();

/** A forbidden denial of a bearer request is marked so (answered `insufficient_scope`). */
export function withBearerScope(denial: Denial, auth: Auth): Denial {
  return denial.reason === 'forbidden' && isBearerAuth(auth) ? { ...denial, bearer: true } : denial;
}

/**
 * The step-up denial of a signed-in `auth` that does not meet `options.acr` / `options.maxAge`,
 * with the login URL that performs it (keeping the session's organization); null when it meets them.
 */
export function stepUpDenial(loginFor: ((extra: Record<string, string | undefined>) => string) | null, auth: Auth, options: RequireAuthOptions<any, any>): Denial | null {
  const bearer = isBearerAuth(auth);
  const stepUp = stepUpOf(authenticationOf(bearer ? null : SessionAuth.recordOf(auth), bearer ? auth.claims : null), options, now());
  if (!stepUp) return null;
  const loginUrl = !bearer && loginFor ? loginFor({ organizationId: auth.organizationId, ...stepUpQuery(stepUp) }) : null;
  const wanted: { acrValues?: string[]; maxAge?: number } = {};
  if (stepUp.acrValues) wanted.acrValues = stepUp.acrValues;
  if (stepUp.maxAge !== undefined) wanted.maxAge = stepUp.maxAge;
  return { reason: 'unauthenticated', status: 401, loginUrl, stepUp: wanted };
}

/**
 * The default answer to the denials of this module (null for the others): the challenge with
 * its error code and fixed words, never anything of the token.
 */
export function challengeReply(denial: Denial, request: RequestView, realm: string): Reply | null {
  if (denial.reason === 'unauthenticated' && !denial.stepUp) {
    if (!denial.bearerError) return null;
    const description = DESCRIPTIONS.get(denial) ?? (denial.bearerError === 'invalid_request' ? INVALID_REQUEST.description : INVALID_TOKEN.description);
    const challenge = bearerChallenge(realm, { error: denial.bearerError, error_description: description });
    return json(denial.status, { error: denial.bearerError === 'invalid_request' ? 'invalid_request' : 'unauthenticated' }, { 'WWW-Authenticate': challenge });
  }
  if (denial.reason === 'forbidden') {
    if (!denial.bearer) return null;
    const challenge = bearerChallenge(realm, { error: 'insufficient_scope', error_description: 'The access token does not grant what this request needs' });
    return json(403, { error: 'forbidden' }, { 'WWW-Authenticate': challenge });
  }
  // The step-up (RFC 9470 §3).
  const stepUp = denial.stepUp!;
  const method = request.method.toUpperCase();
  if ((method === 'GET' || method === 'HEAD') && acceptsHtml(request) && denial.loginUrl) return redirect(denial.loginUrl);
  const challenge = bearerChallenge(realm, {
    error: 'insufficient_user_authentication',
    error_description: 'A more recent or stronger sign-in is required',
    acr_values: stepUp.acrValues?.join(' '),
    max_age: stepUp.maxAge,
  });
  return json(401, { error: 'insufficient_user_authentication' }, { 'WWW-Authenticate': challenge });
}
