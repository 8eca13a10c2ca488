// Counters of the dev IdP (`idp.counts`, `idp.clientAuthLog`): what the provider did, for tests.
// Events feed most of them (events.js); the two middlewares here count what no event reports.

/**
 * @typedef {object} DevIdpCounts
 * @property {number} authorizationCodeGrants successful authorization_code grants (`grant.success`)
 * @property {number} refreshGrants successful refresh_token grants (`grant.success`)
 * @property {number} refreshGrantErrors failed refresh_token grants (`grant.error`), including refused organization switches
 * @property {number} refreshTokenReuses spent refresh tokens presented again (`grant.error`, "refresh token already used")
 * @property {number} grantsRevoked `grant.revoked` events: reuse detection, refresh-token revocation, logout of a session-bound grant
 * @property {number} revocations successful calls of the revocation endpoint
 * @property {number} endSessions `end_session.success` events
 * @property {number} faultedRequests requests answered by an injected fault
 * @property {number} jwksRequests `GET /jwks` requests (key-set fetches by relying parties)
 * @property {number} discoveryRequests `GET /.well-known/openid-configuration` requests
 * @property {number} pushedAuthorizationRequests successful pushes to `/request` (PAR, `201`)
 * @property {number} dpopNonceChallenges `use_dpop_nonce` answers of the provider (token, userinfo, PAR endpoints)
 * @property {number} dpopProofs requests to `/token` that carried a `DPoP` proof header
 */

/** Endpoints whose client authentication is logged (`clientAuthLog`). */
const CLIENT_AUTH_PATHS = new Set(['/token', '/token/revocation', '/token/introspection', '/request']);

/**
 * The counters of one provider, their reset, and the middlewares that count requests.
 * `countRequests` goes before the fault middleware (a faulted `/jwks` fetch still counts),
 * `countAnswers` after it (it counts what oidc-provider answered).
 */
export function createCounters() {
  /** @type {DevIdpCounts} */
  const counts = {
    authorizationCodeGrants: 0,
    refreshGrants: 0,
    refreshGrantErrors: 0,
    refreshTokenReuses: 0,
    grantsRevoked: 0,
    revocations: 0,
    endSessions: 0,
    faultedRequests: 0,
    jwksRequests: 0,
    discoveryRequests: 0,
    pushedAuthorizationRequests: 0,
    dpopNonceChallenges: 0,
    dpopProofs: 0,
  };
  /** @type {{ path: string, method: string }[]} */
  const clientAuthLog = [];

  return {
    counts,
    /** how clients authenticated, oldest first (the last 1000), as copies */
    get clientAuthLog() {
      return clientAuthLog.map((entry) => ({ ...entry }));
    },
    /** Every counter back to zero, the client authentication log emptied. */
    reset() {
      clientAuthLog.length = 0;
      for (const key of /** @type {(keyof DevIdpCounts)[]} */ (Object.keys(counts))) counts[key] = 0;
    },
    /**
     * Counts key-set and discovery fetches as they arrive.
     * @param {any} ctx @param {() => Promise<void>} next
     */
    countRequests(ctx, next) {
      if (ctx.method === 'GET' && ctx.path === '/jwks') counts.jwksRequests += 1;
      if (ctx.method === 'GET' && ctx.path === '/.well-known/openid-configuration') counts.discoveryRequests += 1;
      return next();
    },
    /**
     * Counts revocations, pushes, DPoP proofs and nonce challenges from the answers (no success
     * event exists for them), and logs how clients authenticated.
     * @param {any} ctx @param {() => Promise<void>} next
     */
    async countAnswers(ctx, next) {
      await next();
      if (ctx.method === 'POST' && ctx.path === '/token/revocation' && ctx.status === 200) counts.revocations += 1;
      if (ctx.method === 'POST' && ctx.path === '/request' && ctx.status === 201) counts.pushedAuthorizationRequests += 1;
      if (ctx.method === 'POST' && ctx.path === '/token' && ctx.headers.dpop) counts.dpopProofs += 1;
      if (/use_dpop_nonce/.test(String(ctx.response.get('www-authenticate') ?? '')) || (ctx.status === 400 && /use_dpop_nonce/.test(typeof ctx.body === 'string' ? ctx.body : JSON.stringify(ctx.body ?? '')))) {
        counts.dpopNonceChallenges += 1;
      }
      if (ctx.method === 'POST' && CLIENT_AUTH_PATHS.has(ctx.path)) {
        // how the client authenticated (oidc-provider accepts Basic and form secrets alike)
        const body = ctx.oidc?.body ?? {};
        const method = /^basic /i.test(String(ctx.headers.authorization ?? '')) ? 'client_secret_basic'
          : body.client_assertion ? 'private_key_jwt'
            : body.client_secret ? 'client_secret_post'
              : 'none';
        clientAuthLog.push({ path: ctx.path, method });
        if (clientAuthLog.length > 1000) clientAuthLog.shift();
      }
    },
  };
}
