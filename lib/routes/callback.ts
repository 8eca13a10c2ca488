/**
 * `GET /callback`: check the state against the attempt's own sealed cookie, exchange the code
 * (PKCE, nonce, `iss`), validate the ID token, write the session and go back to `returnTo`.
 * Every failure is a 4xx with no session, never a 5xx.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { CoreContext } from '../core/context.js';
import { CallbackError, ProviderUnavailableError, SessionTooLargeError, TokenError } from '../errors.js';
import { html, json, redirect, wantsJson, type Reply, type RequestView, type ResponseSink } from '../core/http.js';
import { runHook } from '../core/hooks.js';
import { notice } from './page.js';
import { describe } from '../core/provider.js';
import { now } from '../core/policy.js';
import { RequestSession } from '../core/request-session.js';
import { startSession } from '../core/session-actions.js';
import { parseCookies } from '../core/session-cookie.js';
import { idTokenClaims } from '../core/tokens.js';
import { signedInFields, userFromClaims } from '../core/view.js';
import { unmetStepUp } from '../core/step-up.js';
import type { SessionRecord } from '../types/session.js';
import { providerUnavailable } from './unavailable.js';
import { dpopAlgorithms } from '../core/sender.js';

/** Answer `GET /callback`. */
export async function callback(core: CoreContext, request: RequestView, sink: ResponseSink, query: URLSearchParams): Promise<Reply> {
  const state = query.get('state');
  if (state) sink.append('Set-Cookie', core.transactions.clear(state));
  sink.set('Cache-Control', 'private, no-store');
  try {
    const { record, returnTo, appState } = await signIn(core, request, query, state);
    const session = RequestSession.create(core, request, sink);
    await startSession(session, record);
    await runHook(core.cfg, 'onSignIn', {
      user: record.user,
      accessToken: record.accessToken,
      refreshToken: record.refreshToken,
      idToken: record.idToken,
      organizationId: session.auth.organizationId,
      impersonator: session.auth.impersonator,
      state: appState,
      request: request.raw,
    });
    return redirect(returnTo);
  } catch (error) {
    const failure =
      error instanceof CallbackError
        ? error
        : error instanceof SessionTooLargeError
          ? new CallbackError('session_too_large', error.message, { cause: error })
          : new CallbackError('exchange_failed', `sign-in failed: ${describe(error)}`, { cause: error });
    if (error instanceof SessionTooLargeError) core.cfg.logger.error({ size: error.size }, error.message);
    const what = explain(failure);
    core.cfg.logger.warn(
      { reason: failure.reason, problem: what.problem, oauthError: failure.oauthError, status: what.status, cause: what.cause },
      'sessionkit: sign-in callback refused',
    );
    if (failure.oauthError === 'invalid_client' || failure.oauthError === 'unauthorized_client') {
      core.cfg.logger.error(
        { oauthError: failure.oauthError, clientAuthMethod: core.cfg.clientAuth.method },
        `sessionkit: the provider does not accept this client's credentials (${failure.oauthError}): check \`clientSecret\` (SESSIONKIT_CLIENT_SECRET) ` +
          `and \`clientAuthMethod\` (SESSIONKIT_CLIENT_AUTH_METHOD, now "${core.cfg.clientAuth.method}") against the client's registration at the provider`,
      );
    }
    const taken = await runHook(core.cfg, 'onSignInError', { error: failure, request: request.raw, response: sink.response });
    if (taken === true || sink.sent()) return { status: 0, handled: true };
    if (what.problem === 'provider_unavailable') return providerUnavailable(request);
    const body = { error: 'sign_in_failed', reason: failure.reason };
    if (wantsJson(request)) return json(400, body);
    return html(400, page(core.loginPath({}), what.message));
  }
}

/** What went wrong, for people: the page's sentence; for operators: the log line's fields. */
interface Explanation {
  problem: 'cancelled' | 'reauthenticate' | 'provider_error' | 'link_invalid' | 'exchange_refused' | 'provider_unreachable' | 'token_invalid' | 'provider_unavailable' | 'session_too_large' | 'step_up_failed' | 'failed';
  message: string;
  status?: number;
  /** The underlying errors, outermost first: class names, codes and messages, never token values. */
  cause?: string;
}

const MESSAGES: Record<Explanation['problem'], string> = {
  cancelled: 'Sign-in was cancelled.',
  reauthenticate: 'The sign-in provider needs you to sign in again.',
  provider_error: 'The sign-in provider reported an error and did not sign you in.',
  link_invalid: 'This sign-in link is no longer valid: it expired, was already used, or was opened in another browser.',
  exchange_refused: 'The sign-in provider refused to complete the sign-in.',
  provider_unreachable: 'The sign-in provider could not be reached to complete the sign-in. Please try again in a moment.',
  token_invalid: 'The answer of the sign-in provider could not be verified, so you were not signed in.',
  provider_unavailable: 'The sign-in service is unavailable right now.',
  step_up_failed: 'The sign-in provider did not confirm the stronger or more recent sign-in this page needs, so your session was left as it was.',
  session_too_large: 'Your session is too large for this site to keep in a cookie. The site needs a configuration change (its administrator can find the details in the log).',
  failed: 'The sign-in could not be completed.',
};

const REAUTHENTICATE = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);

function explain(failure: CallbackError): Explanation {
  const chain: unknown[] = [];
  for (let e: unknown = failure.cause; e && chain.length < 4; e = (e as { cause?: unknown }).cause) {
    if (!(e instanceof Error) && !isErrorLike(e)) break;
    chain.push(e);
  }
  const cause = chain.length ? chain.map(describe).join(' ← ') : undefined;
  const status = chain.map(httpStatus).find((x) => x !== undefined);
  const of = (problem: Explanation['problem']): Explanation => ({ problem, message: MESSAGES[problem], status, cause });
  switch (failure.reason) {
    case 'provider_error':
      if (failure.oauthError === 'access_denied') return of('cancelled');
      return of(failure.oauthError && REAUTHENTICATE.has(failure.oauthError) ? 'reauthenticate' : 'provider_error');
    case 'missing_transaction':
    case 'state_mismatch':
    case 'invalid_request':
      return of('link_invalid');
    case 'session_too_large':
      return of('session_too_large');
    case 'step_up_failed':
      return of('step_up_failed');
  }
  if (chain.some((e) => e instanceof ProviderUnavailableError)) return of('provider_unavailable');
  if (failure.oauthError || chain.some((e) => e instanceof oidc.ResponseBodyError || e instanceof oidc.WWWAuthenticateChallengeError)) return of('exchange_refused');
  if (status !== undefined) return of(status >= 500 || status === 408 || status === 429 ? 'provider_unreachable' : 'exchange_refused');
  const root = chain.at(-1) as { name?: string; code?: string } | undefined;
  if (root && (root.name === 'TypeError' || root.name === 'AbortError' || root.name === 'TimeoutError')) return of('provider_unreachable');
  if (root && (chain.some((e) => e instanceof TokenError) || /^(ERR_J|OAUTH_)/.test(root.code ?? ''))) return of('token_invalid');
  return of('failed');
}

/** The `error` parameter of a `WWW-Authenticate` challenge (a 401 from the token endpoint). */
function challengeError(error: oidc.WWWAuthenticateChallengeError): string | undefined {
  const value = error.cause?.find((c) => typeof c.parameters?.error === 'string')?.parameters.error;
  return typeof value === 'string' ? value.slice(0, 64) : undefined;
}

function isErrorLike(e: unknown): boolean {
  return typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' && typeof (e as { message?: unknown }).message === 'string';
}

/** The HTTP status an error carries: openid-client's `status`, or the `Response` it keeps as its cause. */
function httpStatus(e: unknown): number | undefined {
  if (e instanceof oidc.ResponseBodyError || e instanceof oidc.WWWAuthenticateChallengeError) return e.status;
  const cause = (e as { cause?: unknown })?.cause;
  const status = (cause as { status?: unknown } | undefined)?.status;
  return typeof Response !== 'undefined' && cause instanceof Response && typeof status === 'number' ? status : undefined;
}

async function signIn(core: CoreContext, request: RequestView, query: URLSearchParams, state: string | null) {
  const { cfg } = core;
  const providerError = query.get('error');
  if (!state) throw new CallbackError('invalid_request', 'the callback has no state');
  const tx = await core.transactions.read(parseCookies(request.headers.cookie), state);
  if (providerError) {
    throw new CallbackError('provider_error', `the provider returned ${providerError}`, { oauthError: providerError.slice(0, 64) });
  }
  if (!tx) throw new CallbackError('missing_transaction', 'no sign-in in progress for this state (expired, already used, or another browser)');
  if (tx.state !== state) throw new CallbackError('state_mismatch', 'the state does not match the sign-in in progress');

  const callbackUrl = new URL(cfg.redirectUri);
  callbackUrl.search = query.toString();
  let tokens;
  // DPoP: the session's own key pair, made now; the tokens are bound to it (sealed in the session).
  const dpopKey = await newDpopKey(core);
  try {
    tokens = await core.provider.exchangeCode(callbackUrl, tx, dpopKey);
  } catch (error) {
    const oauthError =
      error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError
        ? error.error
        : error instanceof oidc.WWWAuthenticateChallengeError
          ? challengeError(error)
          : undefined;
    throw new CallbackError('exchange_failed', `the code exchange failed: ${describe(error)}`, { cause: error, oauthError });
  }
  let claims = tokens.idTokenClaims ?? {};
  if (typeof claims.sub !== 'string') throw new CallbackError('exchange_failed', 'the provider returned no ID token');
  // Step-up (RFC 9470): refused unless the provider did what was asked (lib/core/step-up.ts).
  const unmet = unmetStepUp(tx.stepUp, claims, now());
  if (unmet) throw new CallbackError('step_up_failed', unmet);
  if (!claims.email) {
    const info = await core.provider.userinfo(tokens.accessToken, claims.sub, dpopKey).catch(() => null);
    if (info) claims = { ...info, ...claims };
  }
  let info;
  try {
    info = await core.inspector.inspect(tokens.accessToken, now() + (tokens.expiresIn ?? 3600));
  } catch (error) {
    if (error instanceof TokenError) throw new CallbackError('exchange_failed', error.message, { cause: error });
    throw error;
  }
  const record: SessionRecord = {
    v: 1,
    id: randomBytes(16).toString('base64url'),
    user: userFromClaims(claims),
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    idToken: tokens.idToken,
    expiresAt: info.expiresAt,
    createdAt: now(),
  };
  // Only a verified claim puts the session in an organization; what `/login?organizationId=` asked
  // for is a request to the provider, which may well have ignored it.
  const organizationId = signedInFields(record, info.claims, idTokenClaims(tokens.idToken), cfg.claims).organizationId;
  if (organizationId) record.organizationId = organizationId;
  if (typeof claims.sid === 'string') record.sid = claims.sid;
  if (!record.refreshToken) delete record.refreshToken;
  if (dpopKey) record.dpopKey = dpopKey;
  return { record, returnTo: tx.returnTo, appState: tx.appState };
}

function page(loginPath: string, message: string): string {
  return notice('Sign-in failed', [message], `<a class="button" href="${loginPath}">Try again</a>`);
}

/** A new session's DPoP key (`dpop: true`); undefined without DPoP or with the app's own key. */
async function newDpopKey(core: CoreContext) {
  const dpop = core.provider.dpop;
  if (!dpop) return undefined;
  let configuration;
  try {
    configuration = await core.provider.configuration();
  } catch (error) {
    throw new CallbackError('exchange_failed', `the code exchange failed: ${describe(error)}`, { cause: error });
  }
  return dpop.newSessionKey(dpopAlgorithms(configuration));
}
