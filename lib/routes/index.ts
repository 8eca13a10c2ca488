/**
 * Each route's handler, by name; what the dispatcher checks before calling one (methods,
 * same-origin, the session) is in {@link ROUTE_TABLE}.
 *
 * @packageDocumentation
 */
import type { CoreContext } from '../core/context.js';
import type { Reply, RequestView, ResponseSink } from '../core/http.js';
import type { RequestSession } from '../core/request-session.js';
import { backchannelLogout } from './backchannel-logout.js';
import { callback } from './callback.js';
import { login } from './login.js';
import { crossSiteLogout, logout } from './logout.js';
import { accessToken, sessionInfo } from './session-info.js';
import { switchOrg } from './switch-org.js';
import type { RouteName } from './table.js';

export { ROUTE_TABLE, type RouteName, type RouteSpec } from './table.js';

/** What a route handler is given. `session` is the request's session for routes that load it. */
export interface RouteRequest {
  core: CoreContext;
  request: RequestView;
  sink: ResponseSink;
  query: URLSearchParams;
  session: RequestSession | null;
}

/** A route's handler, and (for a same-origin route) its own answer to a request from another site. */
export interface RouteHandler {
  answer(r: RouteRequest): Reply | Promise<Reply>;
  crossSite?(request: RequestView): Reply;
}

/** Every route's handler. */
export const ROUTE_HANDLERS: { readonly [name in RouteName]: RouteHandler } = {
  login: { answer: (r) => login(r.core, r.request, r.sink, r.query) },
  callback: { answer: (r) => callback(r.core, r.request, r.sink, r.query) },
  logout: { answer: (r) => logout(r.core, r.session!), crossSite: crossSiteLogout },
  switchOrg: { answer: (r) => switchOrg(r.core, r.session!, r.query) },
  backchannelLogout: { answer: (r) => backchannelLogout(r.core, r.request) },
  session: { answer: (r) => sessionInfo(r.session!) },
  accessToken: { answer: (r) => accessToken(r.session!) },
};
