/**
 * The provider-facing half of PAR (RFC 9126) and DPoP (RFC 9449), as the few calls that
 * `Provider` makes: the authorization URL (pushed when configured or required), and the DPoP
 * handle that goes with a grant.
 *
 * @packageDocumentation
 */
import * as oidc from 'openid-client';
import type { DpopSessionKey } from '../types/session.js';
import type { Dpop } from './dpop.js';

/** True when sign-ins go by PAR: configured, or required by the provider's discovery document. */
export function usesPar(configuration: oidc.Configuration, configured: boolean): boolean {
  return configured || configuration.serverMetadata().require_pushed_authorization_requests === true;
}

/**
 * The URL `/login` redirects to. With PAR the parameters (PKCE challenge, state, nonce, …) are
 * pushed with the client's authentication and the URL carries only `client_id` and `request_uri`.
 * A push the provider refuses or cannot take throws (the login route answers 503).
 */
export async function authorizationUrlFor(configuration: oidc.Configuration, params: Record<string, string>, configured: boolean): Promise<URL> {
  if (!usesPar(configuration, configured)) return oidc.buildAuthorizationUrl(configuration, params);
  return oidc.buildAuthorizationUrlWithPAR(configuration, params);
}

/** openid-client's `{ DPoP }` option for a grant with `key`; undefined without DPoP. */
export async function dpopOptions(dpop: Dpop | null, configuration: oidc.Configuration, key: DpopSessionKey | undefined): Promise<{ DPoP: oidc.DPoPHandle } | undefined> {
  const use = dpop && (key ?? dpop.keyOf(null));
  return dpop && use ? { DPoP: await dpop.handle(configuration, use) } : undefined;
}

export { dpopAlgorithms } from './dpop.js';
