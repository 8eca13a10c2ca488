/**
 * The dispatcher the adapters call: sessionkit's routes answered, or the request's session loaded
 * for the application. It sits above both the core (`lib/core/`, which knows no route) and the
 * routes (`lib/routes/`).
 *
 * @packageDocumentation
 */
import type { Core, Outcome } from './core/engine.js';
import { queryOf, type RequestView, type ResponseSink } from './core/http.js';
import { RequestSession } from './core/request-session.js';
import { backchannelLogout } from './routes/backchannel-logout.js';
import { callback } from './routes/callback.js';
import { login } from './routes/login.js';
import { logout } from './routes/logout.js';
import { accessToken, sessionInfo } from './routes/session-info.js';
import { switchOrg } from './routes/switch-org.js';

const EMPTY_QUERY = new URLSearchParams();

/**
 * {@link handle} without any await, for a request that is not one of the routes and whose session
 * is already known (see `RequestSession.fromCache`); null when `handle` must run.
 */
export function handleCached(core: Core, request: RequestView, sink: ResponseSink): Outcome | null {
  if (core.routeOf(request.path)) return null;
  const session = RequestSession.fromCache(core, request, sink);
  return session ? core.afterLoad(session, request) : null;
}

/** Answer sessionkit's routes; otherwise load the session for the application. */
export async function handle(core: Core, request: RequestView, sink: ResponseSink): Promise<Outcome> {
  const route = core.routeOf(request.path);
  const query = route ? queryOf(request.url) : EMPTY_QUERY;
  if (route === 'login') return { reply: await login(core, request, sink, query) };
  if (route === 'callback') return { reply: await callback(core, request, sink, query) };
  if (route === 'backchannelLogout') return { reply: await backchannelLogout(core, request) };
  // Logout and switch-org spend the refresh token themselves: no proactive refresh first.
  const session = await RequestSession.load(core, request, sink, route !== 'logout' && route !== 'switchOrg');
  switch (route) {
    case 'logout':
      return { reply: await logout(core, session) };
    case 'switchOrg':
      return { reply: await switchOrg(core, session, query) };
    case 'session':
      return { reply: sessionInfo(core, session) };
    case 'accessToken':
      return { reply: accessToken(core, session) };
  }
  return core.afterLoad(session, request);
}
