/**
 * The options of `authMiddleware()` / `koaAuth()`: each documented once, here, with its default
 * and the `SESSIONKIT_*` variable that can set it (`lib/config/env.ts` is the table of those).
 *
 * @packageDocumentation
 */
import type { RefreshCoordinator } from '../core/coordinator.js';
import type { SessionStore } from '../core/store.js';
import type { Hooks } from './hooks.js';
import type { ClaimNames, Logger } from './session.js';
import type { CookieOptions, RoutesOptions, EndpointsOptions, ClientAuthMethod, ClientPrivateJwk, DpopOptions, BearerOptions } from './option-groups.js';

/**
 * Options of `authMiddleware()` and `koaAuth()`. Each option that names an `@env` variable reads
 * it when the option is not given in code; hooks (`onSignIn`, …, `onDenied`) are documented on
 * {@link Hooks}.
 */
export interface SessionKitOptions<Req = unknown, Res = unknown> extends Hooks<Req, Res> {
  /**
   * The provider's issuer identifier; its discovery document (`/.well-known/openid-configuration`)
   * is fetched once and cached (a failed discovery is retried with back-off). `https://`, except
   * on loopback or with `allowInsecureIssuer`. Required unless `endpoints` is given.
   * @default none
   * @env SESSIONKIT_ISSUER
   */
  issuer?: string;
  /**
   * A plain OAuth 2.0 provider without discovery: its endpoints, given here instead of `issuer`.
   * @default none (discovery from `issuer`)
   */
  endpoints?: EndpointsOptions;
  /**
   * Allow a provider on a non-loopback host over plain `http://` (a development provider in Docker
   * Compose, `http://keycloak:8080/realms/x`), with a loud warning at start-up. Refused when
   * `NODE_ENV` is `production`.
   * @default false
   * @env SESSIONKIT_ALLOW_INSECURE_ISSUER (`1` or `true`)
   */
  allowInsecureIssuer?: boolean;
  /**
   * The client id registered at the provider. Required.
   * @default none
   * @env SESSIONKIT_CLIENT_ID
   */
  clientId?: string;
  /**
   * The client secret; a public client (PKCE only) has none.
   * @default none
   * @env SESSIONKIT_CLIENT_SECRET
   */
  clientSecret?: string;
  /**
   * How the client authenticates at the token, revocation and other endpoints of the provider.
   * Use `client_secret_post` for providers that do not decode form-encoded Basic credentials.
   * @default `client_secret_basic` with a `clientSecret`, `private_key_jwt` with a `clientPrivateKey`, else `none` (a public client: PKCE only)
   * @env SESSIONKIT_CLIENT_AUTH_METHOD
   */
  clientAuthMethod?: ClientAuthMethod;
  /**
   * The client's private key for `private_key_jwt`: a PEM (PKCS#8, or PKCS#1/SEC1) or a private
   * JWK (an object or its JSON). RSA (RS256), EC P-256 (ES256; P-384, P-521: ES384, ES512) or
   * Ed25519 (EdDSA). A JWK's `kid` is sent in the assertion header. Register the public half with
   * the provider.
   * @default none
   * @env SESSIONKIT_CLIENT_PRIVATE_KEY
   */
  clientPrivateKey?: string | ClientPrivateJwk;
  /**
   * The app's public origin, with the path it is served under when not the root
   * (`https://example.com/app`): redirect URIs and cookie security follow from it. `https://`,
   * except on loopback. Required.
   * @default none
   * @env SESSIONKIT_BASE_URL
   */
  baseURL?: string;
  /**
   * The full callback URL registered at the provider.
   * @default `baseURL` + `routes.callback`
   */
  redirectUri?: string;
  /**
   * The scopes asked for at sign-in; must include `openid`. `offline_access` gets a refresh token.
   * @default `openid profile email offline_access`
   */
  scope?: string;
  /**
   * Extra parameters of the authorization request (`audience`, `prompt`, …).
   * @default `{}`
   */
  authorizationParams?: Record<string, string>;
  /**
   * The session cookie: `password` (required, ≥ 32 characters, or `{ [id]: password }` for
   * rotation), `name`, `maxAge`, `domain`, `path`, `sameSite`, `secure`; see {@link CookieOptions}.
   * @default see {@link CookieOptions}
   * @env SESSIONKIT_COOKIE_PASSWORD, SESSIONKIT_COOKIE_NAME, SESSIONKIT_COOKIE_MAX_AGE, SESSIONKIT_COOKIE_DOMAIN, SESSIONKIT_COOKIE_SAMESITE
   */
  cookie?: CookieOptions;
  /**
   * Proactive refresh: `buffer` seconds before the access token expires, the request that sees it
   * refreshes first (one grant per session, however many requests).
   * @default `{ buffer: 60 }`
   */
  refresh?: { buffer?: number };
  /**
   * The paths of sessionkit's routes (`login`, `callback`, `logout`, `switchOrg`,
   * `backchannelLogout`, `session`, `accessToken`); `false` turns one off, or all.
   * @default `/login`, `/callback`, `/logout`, `/switch-org`, `/backchannel-logout`, `/session`, `/access-token`
   */
  routes?: RoutesOptions | false;
  /**
   * Where the provider sends the user after logout (register it there).
   * @default `baseURL` + `/`
   */
  postLogoutRedirect?: string;
  /**
   * Globs of pages whose sign-in redirects ask the provider for its sign-up screen.
   * @default `[]`
   */
  signUpPaths?: string[];
  /**
   * Protect every path but `unauthenticatedPaths` (globs on the pathname the framework routes on,
   * origin-form requests only) without a `requireAuth()` on each route.
   * @default off
   */
  middlewareAuth?: { enabled?: boolean; unauthenticatedPaths?: string[] };
  /**
   * The claim names each `Auth` field is read from.
   * @default `sessionId: 'sid'`, `organizationId: 'org_id'`, `role: 'role'`, `roles: 'roles'`, `permissions: 'permissions'`, `entitlements: 'entitlements'`, `featureFlags: 'feature_flags'`, `impersonator: 'act'`
   */
  claims?: Partial<ClaimNames>;
  /**
   * The token-request parameter that selects an organization (`/switch-org`, `auth.switchOrganization()`).
   * @default `organization_id`
   */
  organizationParam?: string;
  /**
   * Refresh coordination and the ended-sessions list, shared by every instance of the app
   * (`redisCoordinator()` from `sessionkit/redis` for several processes).
   * @default an in-memory `MemoryCoordinator` (one process)
   */
  coordinator?: RefreshCoordinator;
  /**
   * Keep sessions on the server (`memoryStore()`, `redisStore()`); the cookie then holds only a
   * sealed reference.
   * @default none: the whole session is sealed in the cookie
   */
  store?: SessionStore;
  /**
   * Seconds: an idle session ends after `idleTimeout` without a request; no session outlives
   * `absoluteTimeout`; `rolling` restarts the cookie's `maxAge` whenever the session is written,
   * else the cookie expires `maxAge` after sign-in.
   * @default `{ idleTimeout: 0, absoluteTimeout: 0, rolling: true }` (0 = none)
   */
  session?: { idleTimeout?: number; absoluteTimeout?: number; rolling?: boolean };
  /**
   * Also accept `Authorization: Bearer <JWT>` access tokens of the provider for this audience.
   * @default off: that header is ignored
   */
  bearer?: BearerOptions;
  /**
   * Send the authorization request by PAR (RFC 9126): `/login` pushes it to the provider and
   * redirects with `request_uri` only. Automatic when the provider's discovery says
   * `require_pushed_authorization_requests`.
   * @default false (true when the provider requires it)
   * @env SESSIONKIT_PUSHED_AUTHORIZATION_REQUESTS (`1` or `true`)
   */
  pushedAuthorizationRequests?: boolean;
  /**
   * DPoP-bound tokens (RFC 9449): `true` makes a key pair per session (ES256, or EdDSA when the
   * provider accepts only that), kept sealed in the session; `{ privateKey }` uses one key for
   * all. The code exchange and every refresh carry proofs; `auth.fetch()` adds them for APIs.
   * @default false
   * @env SESSIONKIT_DPOP (`1` or `true`: a key per session)
   */
  dpop?: boolean | DpopOptions;
  /**
   * Milliseconds for any call to the provider.
   * @default 5000
   */
  httpTimeout?: number;
  /**
   * Where sessionkit logs (`{ warn, error, info?, debug? }`: pino, console, …). Never token values.
   * @default one JSON line per entry on stderr
   */
  logger?: Logger;
  /**
   * Log each decision (why a request is signed out, refreshed, refused) at `debug`.
   * @default false
   */
  debug?: boolean;
}
