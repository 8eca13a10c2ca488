// Scopes and automatic consent: the dev IdP serves first-party demo applications, so whatever a
// sign-in asks for (OIDC scopes and claims, resource scopes, offline_access) is granted.

import { decodeJwt } from 'jose';

/** The OpenID Connect scopes the provider knows. */
export const OIDC_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email']);
/** Scopes a resource server (access-token audience) accepts; they end up in the JWT `scope`. */
export const RESOURCE_SCOPES = 'openid profile email offline_access';

/**
 * oidc-provider drops `offline_access` from the scope unless prompt=consent was requested.
 * This runs (as an extraParams validator) after that, and puts it back when the raw request
 * asked for it and the client may use refresh tokens.
 * @param {any} ctx
 */
export function keepRequestedOfflineAccess(ctx) {
  let raw = ctx.method === 'POST' ? ctx.oidc.body?.scope : ctx.query?.scope;
  // A pushed request (PAR): the scope the client pushed, kept in the stored request object.
  const pushed = ctx.oidc.entities?.PushedAuthorizationRequest?.request;
  if (typeof pushed === 'string') {
    try {
      raw = decodeJwt(pushed).scope;
    } catch {
      // oidc-provider made it; it decodes
    }
  }
  if (typeof raw !== 'string' || !raw.split(' ').includes('offline_access')) return;
  if (!ctx.oidc.client?.grantTypeAllowed('refresh_token')) return;
  if (!String(ctx.oidc.params.response_type ?? '').split(' ').includes('code')) return;
  const scopes = new Set(String(ctx.oidc.params.scope ?? '').split(' ').filter(Boolean));
  scopes.add('offline_access');
  ctx.oidc.params.scope = [...scopes].join(' ');
}

/**
 * Auto-consent for a first-party application: grant the requested OIDC scopes and claims and
 * the requested scopes of every resource, like oidc-provider's own example does.
 * @param {any} provider the oidc-provider `Provider`
 * @param {any} interaction
 * @param {string} accountId
 * @returns {Promise<string>} the grant id
 */
export async function grantEverythingRequested(provider, interaction, accountId) {
  const { params, prompt } = interaction;
  let grant;
  if (interaction.grantId && interaction.session?.accountId === accountId) {
    grant = await provider.Grant.find(interaction.grantId);
  }
  grant ??= new provider.Grant({ accountId, clientId: params.client_id });

  const requested = String(params.scope ?? '').split(' ').filter(Boolean);
  const oidcScopes = requested.filter((s) => OIDC_SCOPES.has(s));
  if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
  if (prompt?.details?.missingOIDCScope?.length) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));

  const claims = new Set(prompt?.details?.missingOIDCClaims ?? []);
  if (typeof params.claims === 'string') {
    try {
      const parsed = JSON.parse(params.claims);
      for (const key of ['id_token', 'userinfo']) Object.keys(parsed?.[key] ?? {}).forEach((c) => claims.add(c));
    } catch {
      // oidc-provider already rejected malformed claims parameters
    }
  }
  if (claims.size) grant.addOIDCClaims([...claims]);

  const rsScopes = new Set(RESOURCE_SCOPES.split(' '));
  const resources = params.resource === undefined ? [] : [params.resource].flat();
  for (const resource of resources) {
    const scopes = requested.filter((s) => rsScopes.has(s));
    if (scopes.length) grant.addResourceScope(resource, scopes.join(' '));
  }
  for (const [resource, scopes] of Object.entries(prompt?.details?.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, /** @type {string[]} */ (scopes).join(' '));
  }
  return grant.save();
}
