// sessionkit development OpenID provider: oidc-provider 9, in process, real HTTP on loopback.
//
// Used by the example apps (`npm start`) and by the library's integration tests. See README.md.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';

import {
  DEMO_USERS,
  ORGANIZATIONS,
  createDirectory,
  defaultOrganizationId,
  membershipOf,
  verifyPassword,
} from './accounts.js';
import { MemoryStore, createAdapterFactory } from './adapter.js';
import { loginPage, logoutPage, messagePage, secondFactorPage } from './views.js';

export { DEMO_USERS, ORGANIZATIONS };

// oidc-provider 9 prints "Unsupported runtime" on Node 20 when it is first imported (it declares
// Node 22 in its engines, but everything this provider uses works on Node 20, which the whole test
// suite shows), so that single line is dropped. Nothing else is filtered.
const { default: Provider, errors, interactionPolicy } = await (async () => {
  const warn = console.warn;
  console.warn = (/** @type {unknown[]} */ ...args) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
    warn.apply(console, args);
  };
  try {
    return await import('oidc-provider');
  } finally {
    console.warn = warn;
  }
})();

// oidc-provider keeps its keystore and published JWKS in a private per-instance cache; the dev IdP
// reaches it only to rotate keys at run time (`idp.rotateKeys()`, a test ability).
const { default: providerInternals } = await import('oidc-provider/lib/helpers/weak_cache.js');

/** A fresh RS256 signing key: the private JWK oidc-provider signs with, and its public half. */
async function newSigningKey() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(8).toString('base64url');
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid };
  const publicJwk = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid };
  return { privateKey, jwk, publicJwk };
}

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

/** The `acr` of a password sign-in at the dev IdP. */
export const ACR_PWD = 'urn:sessionkit:dev:pwd';
/** The `acr` of a sign-in that also passed the demo second factor (step-up, RFC 9470). */
export const ACR_MFA = 'urn:sessionkit:dev:mfa';
/** The one code the demo second-factor page accepts (shown on the page: a demo, not a secret). */
export const DEMO_SECOND_FACTOR_CODE = '000000';

/**
 * The `acr_values` of an authorization request, as a list.
 * @param {Record<string, unknown>} params
 * @returns {string[]}
 */
function requestedAcrValues(params) {
  return typeof params.acr_values === 'string' ? params.acr_values.split(' ').filter(Boolean) : [];
}

/**
 * A sign-in asked for acr_values without the password level: it takes the second factor.
 * @param {Record<string, unknown>} params
 */
function needsSecondFactor(params) {
  const wanted = requestedAcrValues(params);
  return wanted.length > 0 && !wanted.includes(ACR_PWD);
}

const OIDC_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email']);
/** Scopes a resource server (access-token audience) accepts; they end up in the JWT `scope`. */
const RESOURCE_SCOPES = 'openid profile email offline_access';
const REUSE_DETAIL = 'refresh token already used';

/**
 * @typedef {null
 *   | { status: number, body?: string, contentType?: string, headers?: Record<string, string> }
 *   | { hang: true }
 *   | { malformedJson: true }
 *   | { rewrite: (body: Record<string, any>) => Record<string, any> | Promise<Record<string, any>> }} Fault
 */

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
 * @typedef {object} DevIdp
 * @property {string} issuer `http://127.0.0.1:${port}`, no trailing slash; also the default access-token audience
 * @property {number} port
 * @property {any} provider the oidc-provider `Provider` instance (the package ships no types)
 * @property {(metadata: Record<string, unknown>) => Promise<void>} addClient register or replace a client at run time
 * @property {DevIdpCounts} counts live counters
 * @property {{ path: string, method: string }[]} clientAuthLog how clients authenticated at `/token`,
 *   `/token/revocation`, `/token/introspection` and `/request` (PAR), oldest first (the last 1000; cleared by resetCounts):
 *   `client_secret_basic`, `client_secret_post`, `private_key_jwt` or `none`
 * @property {() => void} resetCounts
 * @property {(fault: Fault, paths?: string[]) => void} setFault answer requests to `paths` (default ['/token']) with a fault
 * @property {number} hangingRequests requests currently held by a `{ hang: true }` fault
 * @property {(n?: number) => Promise<void>} waitForHangingRequests resolves once at least `n` (default 1) requests hang
 * @property {() => Promise<void>} stop stop listening and drop connections; all state is kept
 * @property {() => Promise<void>} start listen again on the same port after stop()
 * @property {() => Promise<void>} close shut down for good
 * @property {string} currentKid the `kid` of the key that signs ID tokens and access tokens now
 * @property {(options?: { retire?: boolean }) => Promise<string>} rotateKeys a new RS256 key signs from now on and is
 *   published in the JWKS; the previous keys stay published (for tokens already issued) unless `retire` is true.
 *   Returns the new `kid`.
 * @property {(payload: Record<string, unknown>, options?: { kid?: string, header?: Record<string, unknown> }) => Promise<string>} signJwt
 *   sign any payload with one of the provider's own keys (default: the current one), RS256, the key's `kid` in the
 *   header; `header` adds or overrides header parameters. For tests that need a forgery only the provider could make.
 * @property {(accountId: string) => Promise<number>} revokeGrants end every grant of the user (as an administrator
 *   revoking the user's access would): its refresh and access tokens stop working, the next refresh is refused with
 *   `invalid_grant`. Returns the number of grants ended.
 */

/**
 * Starts the development OpenID provider.
 * @param {DevIdpOptions} [options]
 * @returns {Promise<DevIdp>}
 */
export async function startDevIdp(options = {}) {
  const {
    port: requestedPort = 0,
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
  const { findUserById, findUserByEmail, findOrganization } = directory;
  const log = typeof logger === 'function' ? logger : () => {};
  for (const [name, value] of Object.entries({ accessTokenTTL, idTokenTTL, refreshTokenTTL })) {
    if (!Number.isInteger(value) || value <= 0) throw new TypeError(`startDevIdp: ${name} must be a positive integer (seconds)`);
  }

  // ---- HTTP server first: the issuer needs the port ----------------------------------------
  /** @type {import('node:http').RequestListener} */
  let handler = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  /** @type {import('node:http').Server | undefined} */
  let server;
  let closed = false;

  const listen = async (/** @type {number} */ port) => {
    const s = createServer((req, res) => handler(req, res));
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve(undefined);
      });
    });
    server = s;
    return /** @type {import('node:net').AddressInfo} */ (s.address()).port;
  };

  const port = await listen(requestedPort);
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  // ---- state ---------------------------------------------------------------------------------
  const store = new MemoryStore();
  /** current organization per grant id (null: the user has none) */
  const grantOrganizations = new Map();
  /** organization switch validated in rotateRefreshToken, committed on grant.success */
  const pendingSwitch = new WeakMap();
  /** interaction uid → the user who passed the password step and owes the second factor */
  const pendingSecondFactor = new Map();

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

  /** @param {string | null} orgId @param {import('./accounts.js').DemoUser | undefined} user */
  const organizationClaims = (orgId, user) => {
    const m = membershipOf(user, orgId);
    if (!m) return { roles: [], permissions: [], feature_flags: [] };
    return {
      org_id: m.organizationId,
      role: m.role,
      roles: [m.role],
      permissions: [...m.permissions],
      feature_flags: [...m.featureFlags],
    };
  };

  // ---- keys ------------------------------------------------------------------------------------
  /** Signing keys, newest first: the first one signs, all of them are published (until retired). */
  const signingKeys = [await newSigningKey()];
  const jwk = signingKeys[0].jwk;

  // ---- interaction policy: `create` prompt and organization checks on `login` -----------------
  const { Check, Prompt, base } = interactionPolicy;
  const policy = base();
  policy.add(new Prompt({ name: 'create', requestable: true }), 0);
  const loginPrompt = policy.get('login');
  loginPrompt.checks.add(new Check(
    'organization_reauthentication',
    'the requested organization requires a fresh sign-in',
    (/** @type {any} */ ctx) => {
      if (ignoreOrganizationParam) return false;
      const org = findOrganization(ctx.oidc.params.organization_id);
      return Boolean(org?.requiresReauthentication && !ctx.oidc.result?.login);
    },
  ));
  loginPrompt.checks.add(new Check(
    'organization_membership',
    'the signed-in user is not a member of the requested organization',
    (/** @type {any} */ ctx) => {
      const orgId = ignoreOrganizationParam ? undefined : ctx.oidc.params.organization_id;
      const accountId = ctx.oidc.session.accountId;
      if (!orgId || !accountId || ctx.oidc.result?.login) return false;
      return !membershipOf(findUserById(accountId), orgId);
    },
  ));

  // Step-up (RFC 9470): the dev IdP's two authentication levels. Asked for an acr_values list
  // without the password level, a sign-in (or a session of the password level) goes through the
  // demo second-factor page and ends with ACR_MFA.
  loginPrompt.checks.add(new Check(
    'acr_values_step_up',
    'the requested acr_values need a stronger sign-in than the session has',
    (/** @type {any} */ ctx) => {
      if (ctx.oidc.result?.login) return false;
      const wanted = requestedAcrValues(ctx.oidc.params);
      const current = ctx.oidc.session?.acr;
      return wanted.length > 0 && current !== ACR_MFA && !wanted.includes(current);
    },
  ));

  /** @type {any} */
  const configuration = {
    acrValues: [ACR_PWD, ACR_MFA],
    adapter: createAdapterFactory(store),
    clients: [],
    jwks: { keys: [jwk] },
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
      organization_id: validateOrganizationParameter,
      screen_hint: keepRequestedOfflineAccess,
    },
    extraClientMetadata: {
      properties: ['access_token_format'],
      validator(/** @type {any} */ _ctx, /** @type {string} */ key, /** @type {unknown} */ value) {
        if (key === 'access_token_format' && value !== undefined && value !== 'jwt' && value !== 'opaque') {
          throw new errors.InvalidClientMetadata('access_token_format must be "jwt" or "opaque"');
        }
      },
    },
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
      if (ignoreOrganizationParam) return rotateRefreshTokens;
      const requested = ctx.oidc.body?.organization_id;
      if (requested === undefined || requested === '') return rotateRefreshTokens;
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
      return rotateRefreshTokens;
    },
    expiresWithSession: async (/** @type {any} */ _ctx, /** @type {any} */ code) => !code.scopes.has('offline_access'),
    interactions: {
      policy,
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

  const provider = new Provider(issuer, configuration);
  // oidc-provider only puts `sid` into ID tokens (and authorization codes, hence access and
  // refresh tokens) for clients with back-channel logout; the dev IdP always does.
  provider.Client.prototype.includeSid = () => true;

  /**
   * Key rotation at run time (oidc-provider reads its keystore on every signature and its JWKS on
   * every /jwks request, but offers no API to change them): the newest key first, so that it signs.
   */
  function installKeys() {
    const internals = providerInternals(provider);
    if (!internals?.keystore) throw new Error('dev-idp: cannot reach the oidc-provider keystore to rotate keys');
    internals.keystore.clear();
    for (const key of signingKeys) internals.keystore.add(structuredClone(key.jwk));
    internals.jwks = { keys: signingKeys.map((key) => key.publicJwk) };
  }

  for (const metadata of clients) await addClient(metadata);

  /** @param {Record<string, unknown>} metadata */
  async function addClient(metadata) {
    // A JSON copy (client metadata is JSON): nested objects such as `jwks.keys` must be plain
    // objects of this realm for oidc-provider's checks (structuredClone may build them in another).
    const client = new provider.Client(JSON.parse(JSON.stringify(metadata)));
    await provider.Client.adapter.upsert(client.clientId, client.metadata());
  }

  // ---- extraParams validators ------------------------------------------------------------------
  /** @param {any} _ctx @param {unknown} value */
  function validateOrganizationParameter(_ctx, value) {
    if (!ignoreOrganizationParam && value !== undefined && !findOrganization(value)) {
      throw new errors.InvalidRequest(`unknown organization ${String(value)}`);
    }
  }

  /**
   * oidc-provider drops `offline_access` from the scope unless prompt=consent was requested.
   * This runs (as an extraParams validator) after that, and puts it back when the raw request
   * asked for it and the client may use refresh tokens.
   * @param {any} ctx
   */
  function keepRequestedOfflineAccess(ctx) {
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

  // ---- events ------------------------------------------------------------------------------------
  provider.on('grant.success', (/** @type {any} */ ctx) => {
    const grantType = ctx.oidc.params?.grant_type;
    if (grantType === 'authorization_code') counts.authorizationCodeGrants += 1;
    if (grantType === 'refresh_token') {
      counts.refreshGrants += 1;
      if (pendingSwitch.has(ctx)) {
        const grantId = ctx.oidc.entities.RefreshToken?.grantId;
        if (grantId) grantOrganizations.set(grantId, pendingSwitch.get(ctx));
        log(`[dev-idp] organization switched to ${pendingSwitch.get(ctx)}`);
      }
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
    grantOrganizations.delete(grantId);
    log('[dev-idp] grant.revoked');
  });
  provider.on('end_session.success', () => {
    counts.endSessions += 1;
    log('[dev-idp] end_session.success');
  });
  provider.on('authorization.success', (/** @type {any} */ ctx) => {
    const grantId = ctx.oidc.entities.AuthorizationCode?.grantId ?? ctx.oidc.entities.Grant?.jti;
    const user = findUserById(ctx.oidc.session?.accountId);
    if (grantId) {
      const requested = ignoreOrganizationParam ? undefined : ctx.oidc.params.organization_id;
      grantOrganizations.set(grantId, requested && membershipOf(user, requested) ? requested : defaultOrganizationId(user));
    }
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

  // ---- faults (first middleware, so they are real HTTP faults) -----------------------------------
  /** @type {{ fault: Fault, paths: Set<string> }} */
  let faultState = { fault: null, paths: new Set(['/token']) };
  /** @type {Set<() => void>} */
  const hangs = new Set();
  /** @type {Set<{ n: number, resolve: () => void }>} */
  const hangWaiters = new Set();
  const releaseHangs = () => {
    for (const release of [...hangs]) release();
  };
  const notifyHangWaiters = () => {
    for (const waiter of [...hangWaiters]) {
      if (hangs.size >= waiter.n) {
        hangWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  provider.use(async (/** @type {any} */ ctx, /** @type {() => Promise<void>} */ next) => {
    if (ctx.method === 'GET' && ctx.path === '/jwks') counts.jwksRequests += 1;
    if (ctx.method === 'GET' && ctx.path === '/.well-known/openid-configuration') counts.discoveryRequests += 1;
    const { fault, paths } = faultState;
    if (!fault || !paths.has(ctx.path)) return next();
    if ('rewrite' in fault && typeof fault.rewrite === 'function') {
      // The request is answered by oidc-provider for real; a JSON 200 answer is then rewritten.
      await next();
      if (ctx.status !== 200) return undefined;
      const raw = typeof ctx.body === 'string' || Buffer.isBuffer(ctx.body) ? String(ctx.body) : ctx.body;
      const body = typeof raw === 'string' ? JSON.parse(raw) : raw;
      if (!body || typeof body !== 'object') return undefined;
      counts.faultedRequests += 1;
      log(`[dev-idp] response rewritten on ${ctx.method} ${ctx.path}`);
      ctx.body = await fault.rewrite(structuredClone(body));
      ctx.type = 'application/json';
      return undefined;
    }
    counts.faultedRequests += 1;
    log(`[dev-idp] fault injected on ${ctx.method} ${ctx.path}`);
    ctx.set('Cache-Control', 'no-store');
    if ('hang' in fault) {
      await new Promise((resolve) => {
        const release = () => {
          hangs.delete(release);
          resolve(undefined);
        };
        hangs.add(release);
        ctx.res.once('close', release);
        notifyHangWaiters();
      });
      // Released by setFault()/stop()/close() or by the client going away: the request never
      // reaches oidc-provider (a refresh token it carried is NOT spent).
      ctx.status = 503;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ error: 'temporarily_unavailable', error_description: 'injected hang released' });
      return undefined;
    }
    if ('malformedJson' in fault) {
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = '{"access_token":"truncated';
      return undefined;
    }
    ctx.status = fault.status;
    for (const [name, value] of Object.entries(fault.headers ?? {})) ctx.set(name, value);
    const body = fault.body ?? JSON.stringify({ error: 'temporarily_unavailable', error_description: 'injected fault' });
    ctx.type = fault.contentType ?? (fault.body === undefined || isJson(fault.body) ? 'application/json' : 'text/plain');
    ctx.body = body;
    return undefined;
  });

  // ---- count revocations (no success event exists for them) --------------------------------------
  /** @type {{ path: string, method: string }[]} */
  const clientAuthLog = [];
  provider.use(async (/** @type {any} */ ctx, /** @type {() => Promise<void>} */ next) => {
    await next();
    if (ctx.method === 'POST' && ctx.path === '/token/revocation' && ctx.status === 200) counts.revocations += 1;
    if (ctx.method === 'POST' && ctx.path === '/request' && ctx.status === 201) counts.pushedAuthorizationRequests += 1;
    if (ctx.method === 'POST' && ctx.path === '/token' && ctx.headers.dpop) counts.dpopProofs += 1;
    if (/use_dpop_nonce/.test(String(ctx.response.get('www-authenticate') ?? '')) || (ctx.status === 400 && /use_dpop_nonce/.test(typeof ctx.body === 'string' ? ctx.body : JSON.stringify(ctx.body ?? '')))) {
      counts.dpopNonceChallenges += 1;
    }
    if (ctx.method === 'POST' && (ctx.path === '/token' || ctx.path === '/token/revocation' || ctx.path === '/token/introspection' || ctx.path === '/request')) {
      // how the client authenticated (oidc-provider accepts Basic and form secrets alike)
      const body = ctx.oidc?.body ?? {};
      const method = /^basic /i.test(String(ctx.headers.authorization ?? '')) ? 'client_secret_basic'
        : body.client_assertion ? 'private_key_jwt'
          : body.client_secret ? 'client_secret_post'
            : 'none';
      clientAuthLog.push({ path: ctx.path, method });
      if (clientAuthLog.length > 1000) clientAuthLog.shift();
    }
  });

  // ---- interactions: login page, auto-consent -----------------------------------------------------
  provider.use(async (/** @type {any} */ ctx, /** @type {() => Promise<void>} */ next) => {
    const match = /^\/interaction\/([^/]+)(?:\/(login|abort|second-factor))?$/.exec(ctx.path);
    if (!match) return next();
    const [, uid, action] = match;
    ctx.set('Cache-Control', 'no-store');
    try {
      if (!action && ctx.method === 'GET') return await showInteraction(ctx, uid);
      if (action === 'login' && ctx.method === 'POST') return await submitLogin(ctx, uid);
      if (action === 'abort' && ctx.method === 'POST') return await abortInteraction(ctx, uid);
      if (action === 'second-factor' && ctx.method === 'POST') return await submitSecondFactor(ctx, uid);
      ctx.status = 405;
      return undefined;
    } catch (err) {
      if (err instanceof errors.SessionNotFound) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = messagePage('Sign-in expired', 'This sign-in request has expired or was already used. Go back to the application and sign in again.');
        return undefined;
      }
      throw err;
    }
  });

  /** @param {any} ctx @param {string} uid */
  async function loadInteraction(ctx, uid) {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
    return interaction;
  }

  /** @param {any} ctx @param {any} interaction @param {{ email?: string, error?: string }} [state] */
  async function renderLogin(ctx, interaction, state = {}) {
    const { params, prompt } = interaction;
    const client = await provider.Client.find(params.client_id);
    const prompts = String(params.prompt ?? '').split(' ');
    const orgId = typeof params.organization_id === 'string' ? params.organization_id : undefined;
    ctx.status = 200;
    ctx.type = 'html';
    ctx.body = loginPage({
      uid: interaction.uid,
      signUp: params.screen_hint === 'sign-up' || params.screen_hint === 'signup' || prompts.includes('create'),
      email: state.email ?? (typeof params.login_hint === 'string' ? params.login_hint : undefined),
      error: state.error,
      clientName: client?.clientName ?? params.client_id,
      organizationId: orgId,
      reauthentication: Boolean(prompt?.reasons?.includes('organization_reauthentication')),
      users: directory.users,
      organizations: directory.organizations,
    });
  }

  /** @param {any} ctx @param {string} uid */
  async function showInteraction(ctx, uid) {
    const interaction = await loadInteraction(ctx, uid);
    if (interaction.prompt.name === 'consent') {
      // First-party demo: consent is given automatically.
      const grantId = await grantEverythingRequested(interaction, interaction.session?.accountId);
      return finish(ctx, { consent: { grantId } }, true);
    }
    // A step-up of a signed-in user (only the acr is missing): the second factor, not the password.
    const reasons = interaction.prompt.reasons ?? [];
    const accountId = interaction.session?.accountId;
    if (accountId && reasons.length === 1 && reasons[0] === 'acr_values_step_up' && needsSecondFactor(interaction.params)) {
      pendingSecondFactor.set(uid, { accountId, expires: Date.now() + 5 * 60_000 });
      return renderSecondFactor(ctx, uid);
    }
    return renderLogin(ctx, interaction);
  }

  /** @param {any} ctx @param {string} uid */
  async function submitLogin(ctx, uid) {
    const interaction = await loadInteraction(ctx, uid);
    const form = await readForm(ctx.req);
    const email = typeof form.email === 'string' ? form.email.trim() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    const user = findUserByEmail(email);
    if (!user || !(await verifyPassword(user, password))) {
      log('[dev-idp] login failed');
      return renderLogin(ctx, interaction, { email, error: 'Invalid email or password.' });
    }
    const orgId = ignoreOrganizationParam ? undefined : interaction.params.organization_id;
    if (typeof orgId === 'string' && !membershipOf(user, orgId)) {
      log(`[dev-idp] login refused: ${user.id} is not a member of ${orgId}`);
      return finish(ctx, { error: 'access_denied', error_description: `not a member of organization ${orgId}` }, false);
    }
    if (needsSecondFactor(interaction.params)) {
      pendingSecondFactor.set(uid, { accountId: user.id, expires: Date.now() + 5 * 60_000 });
      log(`[dev-idp] second factor asked of ${user.id}`);
      return renderSecondFactor(ctx, uid);
    }
    return completeLogin(ctx, interaction, user.id, ACR_PWD, ['pwd']);
  }

  /** @param {any} ctx @param {string} uid @param {string} [error] */
  function renderSecondFactor(ctx, uid, error) {
    ctx.status = 200;
    ctx.type = 'html';
    ctx.body = secondFactorPage({ uid, code: DEMO_SECOND_FACTOR_CODE, error });
  }

  /** @param {any} ctx @param {string} uid */
  async function submitSecondFactor(ctx, uid) {
    const interaction = await loadInteraction(ctx, uid);
    const pending = pendingSecondFactor.get(uid);
    if (!pending || pending.expires < Date.now()) {
      pendingSecondFactor.delete(uid);
      return renderLogin(ctx, interaction, { error: 'Sign in with your password first.' });
    }
    const form = await readForm(ctx.req);
    if (form.code !== DEMO_SECOND_FACTOR_CODE) return renderSecondFactor(ctx, uid, 'Wrong code.');
    pendingSecondFactor.delete(uid);
    return completeLogin(ctx, interaction, pending.accountId, ACR_MFA, ['pwd', 'otp']);
  }

  /** @param {any} ctx @param {any} interaction @param {string} accountId @param {string} acr @param {string[]} amr */
  async function completeLogin(ctx, interaction, accountId, acr, amr) {
    const grantId = await grantEverythingRequested(interaction, accountId);
    log(`[dev-idp] login ${accountId} (${acr})`);
    const result = {
      login: { accountId, acr, amr },
      consent: { grantId },
      ...(String(interaction.params.prompt ?? '').split(' ').includes('create') ? { create: {} } : {}),
    };
    return finish(ctx, result, true);
  }

  /** @param {any} ctx @param {string} uid */
  async function abortInteraction(ctx, uid) {
    await loadInteraction(ctx, uid);
    return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' }, false);
  }

  /** @param {any} ctx @param {Record<string, unknown>} result @param {boolean} merge */
  async function finish(ctx, result, merge) {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  /**
   * Auto-consent for a first-party application: grant the requested OIDC scopes and claims and
   * the requested scopes of every resource, like oidc-provider's own example does.
   * @param {any} interaction
   * @param {string} accountId
   */
  async function grantEverythingRequested(interaction, accountId) {
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

  handler = provider.callback();
  log(`[dev-idp] listening on ${issuer}`);

  // ---- lifecycle ------------------------------------------------------------------------------------
  const shutdown = async () => {
    const s = server;
    server = undefined;
    releaseHangs();
    if (!s) return;
    await new Promise((resolve) => {
      s.close(() => resolve(undefined));
      s.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
  };

  /** @type {DevIdp} */
  const idp = {
    issuer,
    port,
    provider,
    addClient,
    counts,
    get clientAuthLog() {
      return clientAuthLog.map((entry) => ({ ...entry }));
    },
    resetCounts() {
      clientAuthLog.length = 0;
      for (const key of /** @type {(keyof DevIdpCounts)[]} */ (Object.keys(counts))) counts[key] = 0;
    },
    setFault(fault, paths = ['/token']) {
      if (fault !== null && (typeof fault !== 'object' || !('hang' in fault || 'malformedJson' in fault || typeof (/** @type {any} */ (fault).rewrite) === 'function' || Number.isInteger(/** @type {any} */ (fault).status)))) {
        throw new TypeError('setFault: expected null, { status, body?, contentType? }, { hang: true }, { malformedJson: true } or { rewrite(body) }');
      }
      faultState = { fault, paths: new Set(paths) };
      releaseHangs();
    },
    get hangingRequests() {
      return hangs.size;
    },
    waitForHangingRequests(n = 1) {
      if (hangs.size >= n) return Promise.resolve();
      return new Promise((resolve) => hangWaiters.add({ n, resolve }));
    },
    async stop() {
      await shutdown();
      log('[dev-idp] stopped');
    },
    async start() {
      if (closed) throw new Error('dev IdP was closed');
      if (server) return;
      await listen(port);
      log(`[dev-idp] listening again on ${issuer}`);
    },
    get currentKid() {
      return signingKeys[0].jwk.kid;
    },
    async rotateKeys({ retire = false } = {}) {
      const key = await newSigningKey();
      if (retire) signingKeys.length = 0;
      signingKeys.unshift(key);
      installKeys();
      log(`[dev-idp] keys rotated${retire ? ' (previous keys retired)' : ''}`);
      return key.jwk.kid;
    },
    async signJwt(payload, { kid, header = {} } = {}) {
      const key = kid === undefined ? signingKeys[0] : signingKeys.find((k) => k.jwk.kid === kid);
      if (!key) throw new Error(`signJwt: no key with kid ${kid}`);
      // Critical header parameters are signed as given (verifiers must refuse the ones they do not know).
      const crit = Array.isArray(header.crit) ? Object.fromEntries(header.crit.map((name) => [String(name), true])) : undefined;
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid, ...header }).sign(key.privateKey, crit ? { crit } : undefined);
    },
    async revokeGrants(accountId) {
      const grantIds = [];
      for (const [key, entry] of store.entries) {
        if (key.startsWith('Grant:') && entry.payload.accountId === accountId) grantIds.push(key.slice('Grant:'.length));
      }
      for (const grantId of grantIds) {
        await provider.Grant.adapter.revokeByGrantId(grantId);
        await provider.Grant.adapter.destroy(grantId);
        counts.grantsRevoked += 1;
      }
      log(`[dev-idp] ${grantIds.length} grant(s) of ${accountId} revoked`);
      return grantIds.length;
    },
    async close() {
      closed = true;
      faultState = { fault: null, paths: new Set() };
      await shutdown();
    },
  };
  return idp;
}

/** @param {string} text */
function isJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads an application/x-www-form-urlencoded body (at most 16 KiB).
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<Record<string, string>>}
 */
async function readForm(req) {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('application/x-www-form-urlencoded')) return {};
  let size = 0;
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw Object.assign(new Error('request body too large'), { status: 413, expose: true });
    chunks.push(chunk);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}
