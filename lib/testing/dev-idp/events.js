// What oidc-provider reports (its events): counted, logged (never a token value), and the
// organization bookkeeping that follows grants.

/**
 * Subscribes to the provider's events.
 * @param {any} provider the oidc-provider `Provider`
 * @param {{
 *   counts: import('./counters.js').DevIdpCounts,
 *   organizations: ReturnType<typeof import('./organizations.js').createOrganizations>,
 *   directory: import('./accounts.js').Directory,
 *   log: (line: string) => void,
 * }} parts
 */
export function observeEvents(provider, { counts, organizations, directory, log }) {
  /** oidc-provider's error detail of a spent refresh token presented again */
  const REUSE_DETAIL = 'refresh token already used';

  provider.on('grant.success', (/** @type {any} */ ctx) => {
    const grantType = ctx.oidc.params?.grant_type;
    if (grantType === 'authorization_code') counts.authorizationCodeGrants += 1;
    if (grantType === 'refresh_token') {
      counts.refreshGrants += 1;
      organizations.commitSwitch(ctx);
    }
    log(`[dev-idp] grant.success ${grantType} client=${ctx.oidc.client?.clientId}`);
  });
  provider.on('grant.error', (/** @type {any} */ ctx, /** @type {any} */ err) => {
    const grantType = ctx.oidc.params?.grant_type;
    if (grantType === 'refresh_token') counts.refreshGrantErrors += 1;
    if (err?.error_detail === REUSE_DETAIL) counts.refreshTokenReuses += 1;
    log(`[dev-idp] grant.error ${grantType} ${err?.error}${err?.error_detail ? ` (${err.error_detail})` : ''}${err?.error_description ? `: ${err.error_description}` : ''}`);
  });
  provider.on('grant.revoked', (/** @type {any} */ _ctx, /** @type {string} */ grantId) => {
    counts.grantsRevoked += 1;
    organizations.revoked(grantId);
    log('[dev-idp] grant.revoked');
  });
  provider.on('end_session.success', () => {
    counts.endSessions += 1;
    log('[dev-idp] end_session.success');
  });
  provider.on('authorization.success', (/** @type {any} */ ctx) => {
    const user = directory.findUserById(ctx.oidc.session?.accountId);
    organizations.authorized(ctx, user);
    log(`[dev-idp] authorization.success client=${ctx.oidc.client?.clientId} sub=${user?.id}`);
  });
  provider.on('authorization.error', (/** @type {any} */ _ctx, /** @type {any} */ err) => {
    log(`[dev-idp] authorization.error ${err?.error}: ${err?.error_description ?? ''}`);
  });
  provider.on('server_error', (/** @type {any} */ ctx, /** @type {any} */ err) => {
    log(`[dev-idp] server_error ${ctx.method} ${ctx.path}: ${err?.stack ?? err}`);
  });
  provider.on('error', (/** @type {any} */ err) => {
    log(`[dev-idp] error: ${err?.message ?? err}`);
  });
}
