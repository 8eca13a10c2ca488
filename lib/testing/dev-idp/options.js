// The options of `startDevIdp`: their defaults and their checks.

import { DEMO_USERS, ORGANIZATIONS, createDirectory } from './accounts.js';
import { DEFAULT_CLIENT } from './clients.js';

/**
 * @typedef {object} DevIdpOptions
 * @property {number} [port] default 0 (ephemeral)
 * @property {string} [host] default '127.0.0.1'
 * @property {Record<string, unknown>[]} [clients] oidc-provider client metadata; default [DEFAULT_CLIENT].
 *   Extra property `access_token_format: 'opaque'` gives a client opaque access tokens without
 *   audience (usable at userinfo and introspection) instead of JWTs.
 * @property {number} [accessTokenTTL] seconds, default 300
 * @property {number} [idTokenTTL] seconds, default 3600
 * @property {number} [refreshTokenTTL] seconds, default 14 days
 * @property {(line: string) => void} [logger] default: silent. Never receives token values.
 * @property {boolean} [ignoreOrganizationParam] behave like most providers: ignore the `organization_id`
 *   parameter on authorization and refresh requests (tokens speak for the user's default organization,
 *   or none); default false
 * @property {boolean} [rotateRefreshTokens] false: refresh tokens stay the same across refreshes (as with
 *   Entra ID, Google, Keycloak's default); default true (rotate on every use, with reuse detection)
 * @property {boolean} [requirePushedAuthorizationRequests] true: the authorization endpoint accepts only
 *   pushed requests (RFC 9126; discovery says `require_pushed_authorization_requests`); default false
 *   (PAR is offered either way)
 * @property {string[]} [dpopSigningAlgs] the DPoP proof algorithms the provider accepts and lists in
 *   `dpop_signing_alg_values_supported`; default ['ES256', 'Ed25519', 'EdDSA']
 * @property {boolean} [dpopNonces] true: every DPoP proof at the provider must carry a server nonce
 *   (RFC 9449 §8): a proof without one is answered `use_dpop_nonce` with a `DPoP-Nonce`; default false
 *   (DPoP is accepted either way)
 * @property {readonly import('./accounts.js').DemoUser[]} [users] who can sign in; default the demo accounts (DEMO_USERS)
 * @property {readonly import('./accounts.js').Organization[]} [organizations] default the demo organizations (ORGANIZATIONS)
 */

/**
 * The options with their defaults, the user directory built from `users` and `organizations`
 * (one per instance), and `log` (silent without a `logger`).
 * @param {DevIdpOptions} options
 * @throws {TypeError} a TTL that is not a positive integer; users with the same id or email
 */
export function resolveOptions(options) {
  const {
    port = 0,
    host = '127.0.0.1',
    clients = [DEFAULT_CLIENT],
    accessTokenTTL = 300,
    idTokenTTL = 3600,
    refreshTokenTTL = 14 * 24 * 60 * 60,
    logger,
    ignoreOrganizationParam = false,
    rotateRefreshTokens = true,
    requirePushedAuthorizationRequests = false,
    dpopNonces = false,
    dpopSigningAlgs,
    users = DEMO_USERS,
    organizations = ORGANIZATIONS,
  } = options;
  // The users who can sign in (the demo accounts unless `users` is given): per instance.
  const directory = createDirectory(users, organizations);
  /** @type {(line: string) => void} */
  const log = typeof logger === 'function' ? logger : () => {};
  for (const [name, value] of Object.entries({ accessTokenTTL, idTokenTTL, refreshTokenTTL })) {
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`startDevIdp: ${name} must be a positive integer (seconds)`);
  }
  return {
    port,
    host,
    clients,
    accessTokenTTL,
    idTokenTTL,
    refreshTokenTTL,
    log,
    ignoreOrganizationParam,
    rotateRefreshTokens,
    requirePushedAuthorizationRequests,
    dpopNonces,
    dpopSigningAlgs,
    directory,
  };
}

/** @typedef {ReturnType<typeof resolveOptions>} ResolvedOptions */
