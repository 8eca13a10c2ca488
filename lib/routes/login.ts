/**
 * `GET /login`: start a sign-in at the provider with state, nonce and PKCE (S256), remembered in
 * a sealed cookie of its own so that parallel tabs do not trample each other.
 *
 * @packageDocumentation
 */
import * as oidc from 'openid-client';
import type { CoreContext } from '../core/context.js';
import { redirect, safeReturnTo, type Reply, type RequestView, type ResponseSink } from '../core/http.js';
import { describe } from '../core/provider.js';
import type { Transaction } from '../core/transactions.js';
import { providerUnavailable } from './unavailable.js';
import { stepUpOfParams, stepUpParams } from '../core/step-up.js';

const MAX_PARAM = 1024;

function param(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v && v.length <= MAX_PARAM ? v : undefined;
}

/** Answer `GET /login`. */
export async function login(core: CoreContext, request: RequestView, sink: ResponseSink, query: URLSearchParams): Promise<Reply> {
  const { cfg } = core;
  const organizationId = param(query, 'organizationId');
  const tx: Transaction = {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier: oidc.randomPKCECodeVerifier(),
    returnTo: safeReturnTo(query.get('returnTo'), cfg.baseURL),
    appState: param(query, 'state'),
    organizationId,
  };
  const params: Record<string, string> = {
    redirect_uri: cfg.redirectUri,
    response_type: 'code',
    scope: cfg.scope,
    ...cfg.authorizationParams,
    state: tx.state,
    nonce: tx.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(tx.codeVerifier),
    code_challenge_method: 'S256',
  };
  if (query.get('screenHint') === 'sign-up') params.screen_hint = 'sign-up';
  if (organizationId) params[cfg.organizationParam] = organizationId;
  const loginHint = param(query, 'loginHint');
  if (loginHint) params.login_hint = loginHint;
  // Step-up (RFC 9470): the guard's redirect asks for more; the callback checks that the provider
  // did it (no endless round trips), and the guard re-checks every request anyway.
  const stepUp = stepUpParams(query);
  Object.assign(params, stepUp);
  if (stepUp.acr_values || stepUp.max_age) tx.stepUp = stepUpOfParams(stepUp);

  let url: URL;
  try {
    url = await core.provider.authorizationUrl(params);
  } catch (error) {
    cfg.logger.error({ error: describe(error) }, 'sessionkit: cannot start sign-in, the provider is unavailable');
    return providerUnavailable(request);
  }
  sink.append('Set-Cookie', await core.transactions.write(tx, typeof request.headers.cookie === 'string' ? request.headers.cookie : undefined));
  sink.set('Cache-Control', 'no-store');
  return redirect(url.href);
}
