/**
 * sessionkit's routes as data: per route its default path, the methods it answers, whether it
 * loads the request's session (and refreshes it first), and whether it answers only requests from
 * the app's own pages. The dispatcher (`lib/handler.ts`) applies all of it; the `routes` option,
 * its defaults and their types derive from it. A route's handler is in `lib/routes/index.ts`.
 *
 * @packageDocumentation
 */

/** How a route treats the request's session. */
export type SessionUse =
  /** Not read (sign-in writes over it; back-channel logout has none). */
  | 'none'
  /** Loaded as is: the route spends the refresh token itself (logout, organization switch). */
  | 'loaded'
  /** Loaded and refreshed first when due, as for the app's own handlers. */
  | 'refreshed';

/** One route's data. */
export interface RouteSpec {
  /** The default path (the `routes` option overrides it, or turns it off with `false`). */
  readonly path: string;
  /** The methods it answers (`HEAD` with `GET` where listed); any other gets `405`. Null: any. */
  readonly methods: readonly string[] | null;
  readonly session: SessionUse;
  /**
   * True: a request another site sent (`Sec-Fetch-Site` or `Origin`) is refused `403`, before
   * anything else happens — unless the route answers such requests itself (logout asks).
   */
  readonly sameOrigin: boolean;
}

/** Every route sessionkit mounts. */
export const ROUTE_TABLE = {
  login: { path: '/login', methods: ['GET', 'HEAD'], session: 'none', sameOrigin: false },
  callback: { path: '/callback', methods: null, session: 'none', sameOrigin: false },
  logout: { path: '/logout', methods: ['GET', 'POST'], session: 'loaded', sameOrigin: true },
  switchOrg: { path: '/switch-org', methods: ['POST'], session: 'loaded', sameOrigin: true },
  backchannelLogout: { path: '/backchannel-logout', methods: ['POST'], session: 'none', sameOrigin: false },
  session: { path: '/session', methods: ['GET', 'HEAD'], session: 'refreshed', sameOrigin: true },
  accessToken: { path: '/access-token', methods: ['GET', 'HEAD'], session: 'refreshed', sameOrigin: true },
} as const satisfies Record<string, RouteSpec>;

/** The name of one of sessionkit's routes. */
export type RouteName = keyof typeof ROUTE_TABLE;

/** The names, in the table's order. */
export const ROUTE_NAMES = Object.keys(ROUTE_TABLE) as RouteName[];
