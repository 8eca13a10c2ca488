/**
 * `GET /callback`: check the state against the attempt's own sealed cookie, exchange the code
 * (PKCE, nonce, `iss`), validate the ID token, write the session and go back to `returnTo`.
 * Every failure is a 4xx with no session, never a 5xx.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Core } from '../core/engine.js';
import { CallbackError, SessionTooLargeError, TokenError } from '../errors.js';
import { html, json, redirect, wantsJson, type Reply, type RequestView, type ResponseSink } from '../core/http.js';
import { runHook } from '../core/hooks.js';
import { describe } from '../core/provider.js';
import { now } from '../core/refresh.js';
import { RequestSession } from '../core/request-session.js';
import { parseCookies } from '../core/session-cookie.js';
import { idTokenClaims } from '../core/tokens.js';
import { signedInFields, userFromClaims } from '../core/view.js';
import type { SessionRecord } from '../types.js';

/** Answer `GET /callback`. */
export async function callback(core: Core, request: RequestView, sink: ResponseSink, query: URLSearchParams): Promise<Reply> {
  const state = query.get('state');
  if (state) sink.append('Set-Cookie', core.transactions.clear(state));
  sink.set('Cache-Control', 'private, no-store');
  try {
    const { record, returnTo, appState } = await signIn(core, request, query, state);
    const session = RequestSession.create(core, request, sink);
    await session.start(record);
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
    core.cfg.logger.warn({ reason: failure.reason, oauthError: failure.oauthError }, 'sessionkit: sign-in callback refused');
    const taken = await runHook(core.cfg, 'onSignInError', { error: failure, request: request.raw, response: sink.raw });
    if (taken === true || sink.sent()) return { status: 0, handled: true };
    const body = { error: 'sign_in_failed', reason: failure.reason };
    if (wantsJson(request)) return json(400, body);
    return html(400, page(core.loginPath({}), failure.reason));
  }
}

async function signIn(core: Core, request: RequestView, query: URLSearchParams, state: string | null) {
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
  try {
    tokens = await core.provider.exchangeCode(callbackUrl, tx);
  } catch (error) {
    const oauthError = error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError ? error.error : undefined;
    throw new CallbackError('exchange_failed', `the code exchange failed: ${describe(error)}`, { cause: error, oauthError });
  }
  let claims = tokens.idTokenClaims ?? {};
  if (typeof claims.sub !== 'string') throw new CallbackError('exchange_failed', 'the provider returned no ID token');
  if (!claims.email) {
    const info = await core.provider.userinfo(tokens.accessToken, claims.sub).catch(() => null);
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
  return { record, returnTo: tx.returnTo, appState: tx.appState };
}

function page(loginPath: string, reason: string): string {
  const message =
    reason === 'session_too_large'
      ? 'Your session is too large for this site to keep in a cookie. The site needs a configuration change (its administrator can find the details in the log).'
      : reason === 'provider_error' ? 'The sign-in provider returned an error.' : 'This sign-in link is no longer valid (it expired, was already used, or was opened in another browser).';
  return `<!doctype html><meta charset="utf-8"><title>Sign-in failed</title>
<main style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto">
<h1>Sign-in failed</h1><p>${message}</p><p><a href="${loginPath}">Try again</a></p></main>`;
}
