/**
 * Public types of sessionkit: options, the `Auth` view, the session record and hooks.
 *
 * @packageDocumentation
 */
import type { RefreshCoordinator } from './core/coordinator.js';
import type { SessionStore } from './core/store.js';

/** The signed-in user, from the ID token (and userinfo when the ID token lacks a field). */
export interface User {
  id: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  picture: string | null;
}

/** Who is acting on the user's behalf (the `act` claim). */
export interface Impersonator {
  email: string;
  reason?: string;
}

/** Options of `auth.refresh()`. */
export interface RefreshOptions {
  /** Refresh into this organization instead of the current one. */
  organizationId?: string;
  /** Throw {@link UnauthenticatedError} when there is no session to refresh. */
  ensureSignedIn?: boolean;
}

/** The view of the session that handlers use: `req.auth` (Express), `ctx.state.auth` (Koa). */
export interface Auth {
  isAuthenticated: boolean;
  user: User | null;
  sessionId?: string;
  organizationId?: string;
  role?: string;
  roles?: string[];
  permissions?: string[];
  entitlements?: string[];
  featureFlags?: string[];
  impersonator?: Impersonator;
  /** Always fresh: refreshed before the handler runs when it was about to expire. */
  accessToken?: string;
  /** Access-token expiry, Unix seconds. */
  expiresAt?: number;
  /** The verified access-token claims (ID-token claims for opaque access tokens). */
  claims: Record<string, unknown>;
  /** Refresh now; updates the cookie on the current response and this object. */
  refresh(options?: RefreshOptions): Promise<Auth>;
  /** Refresh into another organization; throws {@link OrganizationSwitchError} when refused. */
  switchOrganization(organizationId: string): Promise<Auth>;
}

/** The record sealed into the session cookie. `req.session` exposes it read-only. */
export interface SessionRecord {
  /** Record format version. */
  v: 1;
  /** sessionkit's own id of this session: random, set at sign-in, kept across refreshes. */
  id?: string;
  /** The provider's session id (`sid` of the ID token), for back-channel logout. */
  sid?: string;
  user: User;
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Access-token expiry, Unix seconds. */
  expiresAt: number;
  /** The organization the session is in: only ever from a verified claim of its tokens, never from what was requested. */
  organizationId?: string;
  /** When the user signed in, Unix seconds. */
  createdAt: number;
  /** Last activity written to the cookie, Unix seconds (kept only with `session.idleTimeout`). */
  touchedAt?: number;
}

/** Where each `Auth` field is read from in the access-token claims. */
export interface ClaimNames {
  sessionId: string;
  organizationId: string;
  role: string;
  roles: string;
  permissions: string;
  entitlements: string;
  featureFlags: string;
  impersonator: string;
}

/** The `sameSite` attribute of sessionkit's cookies. */
export type SameSite = 'lax' | 'strict' | 'none';

/** Cookie options. */
export interface CookieOptions {
  /** At least 32 characters; or `{ [numericId]: password }` for rotation (the highest id seals, all unseal). */
  password?: string | Record<string, string>;
  /** Cookie name (default `sessionkit`); chunks are `name.0`, `name.1`, … */
  name?: string;
  /** Seconds (default 14 days). */
  maxAge?: number;
  domain?: string;
  path?: string;
  sameSite?: SameSite;
  /** Default: true when `baseURL` is https. */
  secure?: boolean;
}

/** Paths of the routes sessionkit mounts; `false` turns one off. */
export interface RoutesOptions {
  login?: string | false;
  callback?: string | false;
  logout?: string | false;
  switchOrg?: string | false;
  backchannelLogout?: string | false;
  session?: string | false;
  accessToken?: string | false;
}

/** Endpoints of a plain OAuth2 provider used without discovery. */
export interface EndpointsOptions {
  authorization: string;
  token: string;
  revocation?: string;
  userinfo?: string;
  endSession?: string;
  jwks?: string;
  /** Issuer identifier, for ID-token and JWT access-token `iss` checks (default: the origin of `token`). */
  issuer?: string;
}

/** A structured logger (pino, console, …). sessionkit never logs token values. */
export interface Logger {
  debug?(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Payload of `onSignIn`. */
export interface SignInEvent<Req = unknown> {
  user: User;
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  organizationId?: string;
  impersonator?: Impersonator;
  /** The opaque `state` given to `/login?state=…`. */
  state?: string;
  request: Req;
}

/** Payload of `onSignInError`. */
export interface SignInErrorEvent<Req = unknown, Res = unknown> {
  error: Error;
  request: Req;
  /** Send your own response instead of the default 400: Express's `res`, Koa's `ctx`. */
  response: Res;
}

/** Payload of `onSignOut`. */
export interface SignOutEvent<Req = unknown> {
  user: User | null;
  sessionId?: string;
  request: Req;
}

/** Payload of `onRefreshSuccess`. */
export interface RefreshSuccessEvent<Req = unknown> {
  accessToken: string;
  user: User;
  impersonator?: Impersonator;
  organizationId?: string;
  request: Req;
}

/** Payload of `onRefreshError`. */
export interface RefreshErrorEvent<Req = unknown> {
  error: Error;
  /** True for network errors, timeouts, 408, 429 and 5xx: the session is kept. */
  isTransient: boolean;
  request: Req;
}

/** What `requireAuth()` checks, and how a refusal is answered. */
export interface RequireAuthOptions<Req = unknown, Res = unknown> {
  /** Every one of these permissions is needed. */
  permissions?: string[];
  /** Any one of these roles is enough. */
  roles?: string[];
  /** The session must be in an organization. */
  organization?: boolean;
  /**
   * Step-up (RFC 9470): the user must have signed in with one of these Authentication Context
   * Class References (the `acr` claim of the ID token, or of a bearer token). Otherwise a browser
   * page is sent to the login route with `acr_values`, other requests get `401` with
   * `WWW-Authenticate: Bearer error="insufficient_user_authentication", acr_values="…"`.
   */
  acr?: string[];
  /**
   * Step-up (RFC 9470): the user must have authenticated at most this many seconds ago (the
   * `auth_time` claim). Otherwise a browser page is sent to the login route with `max_age` and
   * `prompt=login`, other requests get `401` with `error="insufficient_user_authentication"` and
   * `max_age`.
   */
  maxAge?: number;
  /**
   * Answer a refused request yourself (render your own page) instead of the default 302 / 401 /
   * 403: with Express it must answer (`res.status(denial.status).render(…)`); with Koa, leaving
   * `ctx.body` unset sends the default answer. Overrides the middleware-level `onDenied`.
   */
  onDenied?: DeniedHandler<Req, Res>;
}

/** Why `requireAuth()` refused a request. */
export type Denial =
  | {
      reason: 'unauthenticated';
      /** 401; 400 for a malformed `Authorization: Bearer` header (`bearerError: 'invalid_request'`). */
      status: 401 | 400;
      /** Where the default answer would send a browser to sign in (with `returnTo`); null when the login route is off. */
      loginUrl: string | null;
      /**
       * The request carried bearer credentials that were refused (RFC 6750 §3.1): `invalid_token`
       * (expired, bad signature, other audience or issuer, not a JWT) or `invalid_request` (a
       * malformed header). Absent when it carried none.
       */
      bearerError?: 'invalid_token' | 'invalid_request';
      /**
       * Present when the request is signed in, but not strongly or recently enough for the route
       * (`requireAuth({ acr, maxAge })`, RFC 9470 step-up): `loginUrl` then performs the step-up
       * (with `acr_values`, `max_age`, `prompt=login` where a fresh sign-in is needed, the
       * session's organization and `returnTo`), and the default answer to anything but an HTML
       * `GET` is `401` with `error="insufficient_user_authentication"`.
       */
      stepUp?: {
        /** The acceptable `acr` values, when the route requires one. */
        acrValues?: string[];
        /** The route's `maxAge`, seconds, when it has one. */
        maxAge?: number;
      };
    }
  | {
      reason: 'forbidden';
      status: 403;
      /** What the user lacks: the permissions, the roles (any one would do), an organization. */
      missing: { permissions: string[]; roles: string[]; organization: boolean };
      /** True when the request was signed in by a bearer token (answered `error="insufficient_scope"`). */
      bearer?: boolean;
    };

/** Payload of `onDenied`. */
export interface DeniedEvent<Req = unknown, Res = unknown> {
  denial: Denial;
  /** Express `req`, Koa `ctx`. */
  request: Req;
  /** Express `res`, Koa `ctx`: send your page on it. */
  response: Res;
}

/** Renders a refused request (`onDenied`). May be async; a throw goes to the framework's error handling. */
export type DeniedHandler<Req = unknown, Res = unknown> = (event: DeniedEvent<Req, Res>) => void | Promise<void>;

/** Hooks; all may be async; an exception thrown by one is logged and never breaks a request. */
export interface Hooks<Req = unknown, Res = unknown> {
  onSignIn?(event: SignInEvent<Req>): void | Promise<void>;
  /** Return `true` (or send a response) to take over the response. */
  onSignInError?(event: SignInErrorEvent<Req, Res>): void | boolean | Promise<void | boolean>;
  onSignOut?(event: SignOutEvent<Req>): void | Promise<void>;
  onRefreshSuccess?(event: RefreshSuccessEvent<Req>): void | Promise<void>;
  onRefreshError?(event: RefreshErrorEvent<Req>): void | Promise<void>;
  /**
   * Answer requests that `requireAuth()` (or `middlewareAuth`) refuses with your own page; a
   * `requireAuth({ onDenied })` overrides it. Unlike the other hooks, a throw here is the
   * framework's error (it answers the request).
   */
  onDenied?: DeniedHandler<Req, Res>;
}

/** How the client authenticates at the provider (OAuth 2.0 `token_endpoint_auth_method`). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** A private JWK (RFC 7517) as `clientPrivateKey` takes it. */
export interface ClientPrivateJwk {
  kty: string;
  d: string;
  kid?: string;
  alg?: string;
  [parameter: string]: unknown;
}

/** The `bearer` option: which `Authorization: Bearer` JWT access tokens are accepted. */
export interface BearerOptions {
  /** The audience (`aud`) your API expects; one of them must be in the token. */
  audience: string | string[];
  /** The expected `iss` (default: the provider's issuer). */
  issuer?: string;
  /**
   * The JOSE `typ` header an access token must carry (compared case-insensitively, an
   * `application/` prefix allowed). Default `at+jwt`, the JWT access-token profile (RFC 9068 §4):
   * it is what keeps an ID token, a logout token or any other JWT the provider signs from being
   * accepted as an access token. Set the `typ` your provider uses, or `false` for a provider that
   * does not type its access tokens (then only the claim checks below tell them apart).
   *
   * Whatever this says, a token that carries a `nonce` (an ID token) or an `events` claim (a
   * logout or security-event token) is never accepted.
   */
  typ?: string | false;
  /**
   * Require the JWT access-token profile of RFC 9068 in full: the `typ` `at+jwt` (already the
   * default of {@link BearerOptions.typ}; a `typ` of `false` or another type is then a start-up
   * error) and the claims `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and `jti`. Whatever this
   * says, only asymmetric signatures are accepted (never `none` or `HS*`).
   * @default false
   */
  requireJwtAccessTokenType?: boolean;
}

/** Options of `authMiddleware()` and `koaAuth()`. Every one can also come from a `SESSIONKIT_*` variable. */
export interface SessionKitOptions<Req = unknown, Res = unknown> extends Hooks<Req, Res> {
  issuer?: string;
  endpoints?: EndpointsOptions;
  /**
   * Allow a provider on a non-loopback host over plain `http://` (a development provider in Docker
   * Compose, `http://keycloak:8080/realms/x`), with a loud warning at start-up. Refused when
   * `NODE_ENV` is `production`.
   * @default false — env `SESSIONKIT_ALLOW_INSECURE_ISSUER=1`
   */
  allowInsecureIssuer?: boolean;
  clientId?: string;
  clientSecret?: string;
  /**
   * How the client authenticates at the token, revocation and other endpoints of the provider
   * (env `SESSIONKIT_CLIENT_AUTH_METHOD`). Default: `client_secret_basic` with a `clientSecret`,
   * `private_key_jwt` with a `clientPrivateKey`, else `none` (a public client: PKCE only).
   * Use `client_secret_post` for providers that do not decode form-encoded Basic credentials.
   */
  clientAuthMethod?: ClientAuthMethod;
  /**
   * The client's private key for `private_key_jwt` (env `SESSIONKIT_CLIENT_PRIVATE_KEY`): a PEM
   * (PKCS#8, or PKCS#1/SEC1) or a private JWK (an object or its JSON). RSA (RS256), EC P-256
   * (ES256; P-384, P-521: ES384, ES512) or Ed25519 (EdDSA). A JWK's `kid` is sent in the
   * assertion header. Register the public half with the provider.
   */
  clientPrivateKey?: string | ClientPrivateJwk;
  baseURL?: string;
  /** Full callback URL; default `baseURL` + `routes.callback`. */
  redirectUri?: string;
  /** Default `openid profile email offline_access`. */
  scope?: string;
  authorizationParams?: Record<string, string>;
  cookie?: CookieOptions;
  refresh?: { buffer?: number };
  routes?: RoutesOptions | false;
  postLogoutRedirect?: string;
  signUpPaths?: string[];
  middlewareAuth?: { enabled?: boolean; unauthenticatedPaths?: string[] };
  claims?: Partial<ClaimNames>;
  organizationParam?: string;
  coordinator?: RefreshCoordinator;
  /** Keep sessions on the server (`memoryStore()`, `redisStore()`); the cookie then holds only a sealed reference. */
  store?: SessionStore;
  /**
   * Seconds: an idle session ends after `idleTimeout` without a request; no session outlives
   * `absoluteTimeout`; `rolling` (default true) restarts the cookie's `maxAge` whenever the
   * session is written, else the cookie expires `maxAge` after sign-in.
   */
  session?: { idleTimeout?: number; absoluteTimeout?: number; rolling?: boolean };
  /** Also accept `Authorization: Bearer <JWT>` access tokens of the provider for this audience (off by default). */
  bearer?: BearerOptions;
  /** Milliseconds for any call to the provider (default 5000). */
  httpTimeout?: number;
  logger?: Logger;
  debug?: boolean;
}
