// Clients of the dev IdP: the demo client, metadata for a web app, registration at run time.

import { errors } from './oidc.js';

/**
 * Client metadata for a web app at `baseURL` (or several): its `/callback` as redirect URI, its
 * `/` as post-logout redirect, code + refresh grants, `client_secret_basic`; `extra` on top.
 * @param {{ clientId: string, clientSecret: string, baseURL: string | string[] } & Record<string, unknown>} app
 * @returns {Record<string, unknown>}
 */
export function webClient({ clientId, clientSecret, baseURL, ...extra }) {
  const bases = [baseURL].flat();
  return {
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: bases.map((b) => new URL('/callback', b).href),
    post_logout_redirect_uris: bases.map((b) => new URL('/', b).href),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...extra,
  };
}

/**
 * The client registered when `clients` is not given. Its secret is a documented demo value.
 */
export const DEFAULT_CLIENT = Object.freeze({
  client_id: 'sessionkit-example',
  client_secret: 'sessionkit-example-secret-change-me',
  client_name: 'sessionkit example app',
  redirect_uris: Object.freeze(['http://localhost:3000/callback']),
  post_logout_redirect_uris: Object.freeze(['http://localhost:3000/']),
  grant_types: Object.freeze(['authorization_code', 'refresh_token']),
  response_types: Object.freeze(['code']),
  token_endpoint_auth_method: 'client_secret_basic',
});

/**
 * oidc-provider's `extraClientMetadata` (a fresh object per provider): the dev IdP's own client
 * property `access_token_format` (`'jwt'`, the default, or `'opaque'`).
 */
export function extraClientMetadata() {
  return {
    properties: ['access_token_format'],
    validator(/** @type {any} */ _ctx, /** @type {string} */ key, /** @type {unknown} */ value) {
      if (key === 'access_token_format' && value !== undefined && value !== 'jwt' && value !== 'opaque') {
        throw new errors.InvalidClientMetadata('access_token_format must be "jwt" or "opaque"');
      }
    },
  };
}

/**
 * `addClient` for a provider: registers a client, or replaces the one with the same `client_id`.
 * @param {any} provider the oidc-provider `Provider`
 * @returns {(metadata: Record<string, unknown>) => Promise<void>}
 */
export function clientRegistration(provider) {
  return async function addClient(metadata) {
    // A JSON copy (client metadata is JSON): nested objects such as `jwks.keys` must be plain
    // objects of this realm for oidc-provider's checks (structuredClone may build them in another).
    const client = new provider.Client(JSON.parse(JSON.stringify(metadata)));
    await provider.Client.adapter.upsert(client.clientId, client.metadata());
  };
}
