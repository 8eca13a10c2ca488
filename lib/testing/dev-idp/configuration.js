// The oidc-provider configuration of the dev IdP: features, TTLs, claims, refresh-token rotation,
// the interaction policy, and the pages oidc-provider renders itself.

import { randomBytes } from 'node:crypto';

import { ACR_MFA, ACR_PWD, stepUpCheck } from './acr.js';
import { createAdapterFactory } from './adapter.js';
import { extraClientMetadata } from './clients.js';
import { OIDC_SCOPES, RESOURCE_SCOPES, keepRequestedOfflineAccess } from './consent.js';
import { errors, interactionPolicy } from './oidc.js';
import { logoutPage, messagePage } from './views.js';

/**
 * The interaction policy: oidc-provider's, plus a requestable `create` prompt and, on `login`, the
 * organization checks and the step-up check.
 * @param {ReturnType<typeof import('./organizations.js').createOrganizations>} organizations
 */
function createPolicy(organizations) {
  const { Prompt, base } = interactionPolicy;
  const policy = base();
  policy.add(new Prompt({ name: 'create', requestable: true }), 0);
  const loginPrompt = policy.get('login');
  for (const check of organizations.loginChecks()) loginPrompt.checks.add(check);
  loginPrompt.checks.add(stepUpCheck());
  return policy;
}

/**
 * The configuration `new Provider(issuer, configuration)` takes.
 * @param {{
 *   settings: import('./options.js').ResolvedOptions,
 *   issuer: string,
 *   store: import('./adapter.js').MemoryStore,
 *   jwks: { keys: Record<string, any>[] },
 *   organizations: ReturnType<typeof import('./organizations.js').createOrganizations>,
 * }} parts
 * @returns {any}
 */
export function createConfiguration({ settings, issuer, store, jwks, organizations }) {
  const { accessTokenTTL, idTokenTTL, refreshTokenTTL, rotateRefreshTokens, requirePushedAuthorizationRequests, dpopNonces, dpopSigningAlgs } = settings;
  const { findUserById } = settings.directory;
  const { organizationFor, organizationClaims } = organizations;
  return {
    acrValues: [ACR_PWD, ACR_MFA],
    adapter: createAdapterFactory(store),
    clients: [],
    jwks,
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      names: { session: '_devidp_session', interaction: '_devidp_interaction', resume: '_devidp_interaction_resume' },
    },
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub', 'org_id', 'acr', 'auth_time'], // acr and auth_time in every ID token (step-up)
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    scopes: [...OIDC_SCOPES],
    responseTypes: ['code'],
    conformIdTokenClaims: false, // profile/email claims in the ID token too, not only at userinfo
    pkce: { required: () => true },
    extraParams: {
      organization_id: organizations.validateParameter,
      screen_hint: keepRequestedOfflineAccess,
    },
    extraClientMetadata: extraClientMetadata(),
    async findAccount(/** @type {any} */ ctx, /** @type {string} */ sub, /** @type {any} */ token) {
      const user = findUserById(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        async claims() {
          const orgId = organizationFor(ctx, token?.grantId, user);
          return {
            sub: user.id,
            email: user.email,
            email_verified: user.email_verified,
            name: user.name,
            given_name: user.given_name,
            family_name: user.family_name,
            ...(orgId ? { org_id: orgId } : {}),
          };
        },
      };
    },
    async extraTokenClaims(/** @type {any} */ ctx, /** @type {any} */ token) {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const user = findUserById(token.accountId);
      // RFC 9068 §2.2.1: how and when the user authenticated (from the code or refresh token)
      const from = ctx?.oidc?.entities?.AuthorizationCode ?? ctx?.oidc?.entities?.RefreshToken;
      return {
        sid: token.sid ?? token.grantId,
        ...(typeof from?.acr === 'string' ? { acr: from.acr } : {}),
        ...(typeof from?.authTime === 'number' ? { auth_time: from.authTime } : {}),
        ...organizationClaims(organizationFor(ctx, token.grantId, user), user),
      };
    },
    // Refresh tokens whenever offline_access was requested, without prompt=consent: the scope is
    // kept by keepRequestedOfflineAccess and granted by the interaction below.
    async issueRefreshToken(/** @type {any} */ _ctx, /** @type {any} */ client, /** @type {any} */ code) {
      return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
    },
    // Rotate on every use (unless `rotateRefreshTokens` is false). Runs after reuse detection and
    // before the old token is consumed, so a refused organization switch leaves the presented
    // refresh token usable.
    async rotateRefreshToken(/** @type {any} */ ctx) {
      organizations.validateSwitch(ctx);
      return rotateRefreshTokens;
    },
    expiresWithSession: async (/** @type {any} */ _ctx, /** @type {any} */ code) => !code.scopes.has('offline_access'),
    interactions: {
      policy: createPolicy(organizations),
      url: (/** @type {any} */ _ctx, /** @type {any} */ interaction) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (/** @type {any} */ _ctx, /** @type {any} */ client, /** @type {any} */ token) => (
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId
        ),
      },
      backchannelLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests },
      dPoP: dpopNonces
        ? { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true }
        : { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: async (/** @type {any} */ _ctx, /** @type {any} */ client, /** @type {any} */ token) => {
          if (token.clientId !== client.clientId) {
            if (client.clientAuthMethod === 'none') return false;
            throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
          }
          return true;
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (/** @type {any} */ ctx, /** @type {string} */ form) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: async (/** @type {any} */ ctx) => {
          ctx.type = 'html';
          ctx.body = messagePage('Signed out', 'You have been signed out of the development identity provider.');
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (/** @type {any} */ _ctx, /** @type {any} */ client, /** @type {string[] | undefined} */ oneOf) => {
          if (oneOf) return oneOf.includes(issuer) ? issuer : oneOf[0];
          return client.access_token_format === 'opaque' ? undefined : issuer;
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: async (/** @type {any} */ _ctx, /** @type {string} */ resource) => ({
          scope: RESOURCE_SCOPES,
          audience: resource,
          accessTokenTTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    ttl: {
      AccessToken: accessTokenTTL,
      AuthorizationCode: 60,
      ClientCredentials: accessTokenTTL,
      IdToken: idTokenTTL,
      RefreshToken: refreshTokenTTL,
      Interaction: 60 * 60,
      Session: refreshTokenTTL,
      Grant: refreshTokenTTL,
    },
    ...(dpopSigningAlgs ? { enabledJWA: { dPoPSigningAlgValues: [...dpopSigningAlgs] } } : {}),
    clientBasedCORS: () => false,
    async renderError(/** @type {any} */ ctx, /** @type {{ error: string, error_description?: string }} */ out) {
      ctx.type = 'html';
      ctx.body = messagePage('Something went wrong', out.error_description ?? out.error, { error: out.error });
    },
  };
}
