/**
 * The session as handlers and hooks see it: the user, the `Auth` view, the sealed record, and
 * the logger every part writes to.
 *
 * @packageDocumentation
 */

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
  /**
   * `fetch` to a resource server with the current access token: `Authorization: Bearer`, or
   * `Authorization: DPoP` with a fresh proof (`htm`, `htu`, `ath`) when `dpop` is on. Refreshes
   * first when the token is inside the refresh buffer; retries once on a `use_dpop_nonce`
   * challenge (the nonce is remembered per origin). Throws {@link UnauthenticatedError} when
   * signed out.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
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
  /** The session's own DPoP private key (`dpop: true`), sealed with the session; never sent in clear. */
  dpopKey?: DpopSessionKey;
}

/**
 * A session's DPoP private key as sealed in the session: a private JWK reduced to `crv` and `d`
 * (the public members are derived again when it is used, which keeps the cookie small).
 */
export interface DpopSessionKey {
  /** `P-256` (ES256) or `Ed25519` (EdDSA). */
  crv: 'P-256' | 'Ed25519';
  /** The private key, base64url. */
  d: string;
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

/** A structured logger (pino, console, …). sessionkit never logs token values. */
export interface Logger {
  debug?(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
