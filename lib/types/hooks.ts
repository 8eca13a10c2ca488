/**
 * What the application plugs in: the hooks' payloads, `requireAuth()`'s options and its refusals.
 *
 * @packageDocumentation
 */
import type { Impersonator, User } from './session.js';

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
