/**
 * The dispatcher the adapters call: sessionkit's routes answered (after the checks their table
 * entry asks for), or the request's session loaded for the application. It sits above both the
 * core (`lib/core/`, which knows no route) and the routes (`lib/routes/`).
 *
 * @packageDocumentation
 */
import type { Core, Outcome } from './core/engine.js';
import { isCrossSite, json, queryOf, type Reply, type RequestView, type ResponseSink } from './core/http.js';
import { cachedSession } from './core/cached-session.js';
import { RequestSession } from './core/request-session.js';
import { ROUTE_HANDLERS, ROUTE_TABLE, type RouteName } from './routes/index.js';

/**
 * {@link handle} without any await, for a request that is not one of the routes and whose session
 * is already known (see `lib/core/cached-session.ts`); null when `handle` must run.
 */
export function handleCached(core: Core, request: RequestView, sink: ResponseSink): Outcome | null {
  if (core.routeOf(request.path)) return null;
  const session = cachedSession(core, request, sink);
  return session ? core.afterLoad(session, request) : null;
}

/** Answer sessionkit's routes; otherwise load the session for the application. */
export async function handle(core: Core, request: RequestView, sink: ResponseSink): Promise<Outcome> {
  const name = core.routeOf(request.path);
  if (!name) return core.afterLoad(await RequestSession.load(core, request, sink), request);
  return { reply: await answer(core, name, request, sink) };
}

async function answer(core: Core, name: RouteName, request: RequestView, sink: ResponseSink): Promise<Reply> {
  const spec = ROUTE_TABLE[name];
  const handler = ROUTE_HANDLERS[name];
  const methods: readonly string[] | null = spec.methods;
  const method = request.method.toUpperCase();
  if (methods && !methods.includes(method)) {
    return json(405, { error: 'method_not_allowed' }, { Allow: methods.filter((m) => m !== 'HEAD').join(', ') });
  }
  if (spec.sameOrigin && isCrossSite(request, core.cfg.baseURL.origin)) {
    return handler.crossSite?.(request) ?? json(403, { error: 'cross_site_request' });
  }
  const session = spec.session === 'none' ? null : await RequestSession.load(core, request, sink, spec.session === 'refreshed');
  return handler.answer({ core, request, sink, query: queryOf(request.url), session });
}
