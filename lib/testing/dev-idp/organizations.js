// Organizations at the dev IdP: which organization a grant's tokens speak for, the claims that
// come with it, `organization_id` on authorization requests (checks) and on refresh (switches).

import { defaultOrganizationId, membershipOf } from './accounts.js';
import { errors, interactionPolicy } from './oidc.js';

/**
 * The organization bookkeeping of one provider.
 * @param {import('./accounts.js').Directory} directory who can sign in, and the organizations
 * @param {{ ignoreOrganizationParam: boolean, log: (line: string) => void }} options
 *   `ignoreOrganizationParam`: behave like most providers (the parameter is ignored everywhere)
 */
export function createOrganizations(directory, { ignoreOrganizationParam, log }) {
  const { findUserById, findOrganization } = directory;
  /** current organization per grant id (null: the user has none) */
  const grantOrganizations = new Map();
  /** organization switch validated in rotateRefreshToken, committed on grant.success */
  const pendingSwitch = new WeakMap();

  /**
   * The organization a token of this grant speaks for.
   * @param {object | undefined} ctx
   * @param {string | undefined} grantId
   * @param {import('./accounts.js').DemoUser | undefined} user
   * @returns {string | null}
   */
  const organizationFor = (ctx, grantId, user) => {
    if (ctx && pendingSwitch.has(ctx)) return pendingSwitch.get(ctx);
    if (grantId && grantOrganizations.has(grantId)) {
      const orgId = grantOrganizations.get(grantId);
      if (orgId === null || membershipOf(user, orgId)) return orgId;
    }
    return defaultOrganizationId(user);
  };

  return {
    organizationFor,

    /**
     * The access-token claims of the user's membership in `orgId` (empty lists without one).
     * @param {string | null} orgId @param {import('./accounts.js').DemoUser | undefined} user
     */
    organizationClaims(orgId, user) {
      const m = membershipOf(user, orgId);
      if (!m) return { roles: [], permissions: [], feature_flags: [] };
      return {
        org_id: m.organizationId,
        role: m.role,
        roles: [m.role],
        permissions: [...m.permissions],
        feature_flags: [...m.featureFlags],
      };
    },

    /** The `login` prompt checks: a fresh sign-in for an organization that asks for one, and membership. */
    loginChecks() {
      const { Check } = interactionPolicy;
      return [
        new Check(
          'organization_reauthentication',
          'the requested organization requires a fresh sign-in',
          (/** @type {any} */ ctx) => {
            if (ignoreOrganizationParam) return false;
            const org = findOrganization(ctx.oidc.params.organization_id);
            return Boolean(org?.requiresReauthentication && !ctx.oidc.result?.login);
          },
        ),
        new Check(
          'organization_membership',
          'the signed-in user is not a member of the requested organization',
          (/** @type {any} */ ctx) => {
            const orgId = ignoreOrganizationParam ? undefined : ctx.oidc.params.organization_id;
            const accountId = ctx.oidc.session.accountId;
            if (!orgId || !accountId || ctx.oidc.result?.login) return false;
            return !membershipOf(findUserById(accountId), orgId);
          },
        ),
      ];
    },

    /**
     * The `organization_id` extraParams validator: an unknown organization is an invalid request.
     * @param {any} _ctx @param {unknown} value
     */
    validateParameter(_ctx, value) {
      if (!ignoreOrganizationParam && value !== undefined && !findOrganization(value)) {
        throw new errors.InvalidRequest(`unknown organization ${String(value)}`);
      }
    },

    /**
     * The organization a sign-in asked for (`organization_id`) when `user` is not a member of it.
     * @param {Record<string, unknown>} params @param {import('./accounts.js').DemoUser} user
     * @returns {string | undefined} undefined: none asked for, or the user is a member
     */
    refusedOrganization(params, user) {
      const orgId = ignoreOrganizationParam ? undefined : params.organization_id;
      return typeof orgId === 'string' && !membershipOf(user, orgId) ? orgId : undefined;
    },

    /**
     * Validates `organization_id` in a refresh grant's body (in rotateRefreshToken: after reuse
     * detection, before the old token is consumed, so a refused switch leaves it usable) and holds
     * the switch until the grant succeeds.
     * @param {any} ctx
     */
    validateSwitch(ctx) {
      if (ignoreOrganizationParam) return;
      const requested = ctx.oidc.body?.organization_id;
      if (requested === undefined || requested === '') return;
      if (typeof requested !== 'string') throw new errors.InvalidRequest('organization_id must be a single value');
      const refreshToken = ctx.oidc.entities.RefreshToken;
      const user = findUserById(refreshToken.accountId);
      const org = findOrganization(requested);
      if (!org || !membershipOf(user, requested)) {
        throw new errors.AccessDenied(`not a member of organization ${requested}`);
      }
      const current = organizationFor(undefined, refreshToken.grantId, user);
      if (org.requiresReauthentication && current !== requested) {
        throw new errors.InteractionRequired(`organization ${requested} requires re-authentication`);
      }
      pendingSwitch.set(ctx, requested);
    },

    /**
     * A refresh grant succeeded: its organization switch (if any) sticks for the grant.
     * @param {any} ctx
     */
    commitSwitch(ctx) {
      if (!pendingSwitch.has(ctx)) return;
      const grantId = ctx.oidc.entities.RefreshToken?.grantId;
      if (grantId) grantOrganizations.set(grantId, pendingSwitch.get(ctx));
      log(`[dev-idp] organization switched to ${pendingSwitch.get(ctx)}`);
    },

    /**
     * A sign-in succeeded: its grant speaks for the requested organization (a member's) or the
     * user's default.
     * @param {any} ctx @param {import('./accounts.js').DemoUser | undefined} user
     */
    authorized(ctx, user) {
      const grantId = ctx.oidc.entities.AuthorizationCode?.grantId ?? ctx.oidc.entities.Grant?.jti;
      if (!grantId) return;
      const requested = ignoreOrganizationParam ? undefined : ctx.oidc.params.organization_id;
      grantOrganizations.set(grantId, requested && membershipOf(user, requested) ? requested : defaultOrganizationId(user));
    },

    /** @param {string} grantId a grant that ended */
    revoked(grantId) {
      grantOrganizations.delete(grantId);
    },
  };
}
