/**
 * `GET /session` and `GET /access-token`: same-origin JSON for front ends. The first never
 * carries tokens; the second hands the (already refreshed) access token to the page's own code.
 *
 * @packageDocumentation
 */
import type { Core } from '../core/engine.js';
import { isCrossSite, json, type Reply } from '../core/http.js';
import type { RequestSession } from '../core/request-session.js';
import { publicView } from '../core/view.js';

function refuse(core: Core, session: RequestSession): Reply | null {
  const method = session.request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return json(405, { error: 'method_not_allowed' }, { Allow: 'GET' });
  if (isCrossSite(session.request, core.cfg.baseURL.origin)) return json(403, { error: 'cross_site_request' });
  if (!session.auth.isAuthenticated) return json(401, { error: 'unauthenticated' }, { 'Cache-Control': 'no-store' });
  return null;
}

/** Answer `GET /session`. */
export function sessionInfo(core: Core, session: RequestSession): Reply {
  return refuse(core, session) ?? json(200, publicView(session.auth));
}

/** Answer `GET /access-token`. */
export function accessToken(core: Core, session: RequestSession): Reply {
  return (
    refuse(core, session) ??
    json(200, { accessToken: session.auth.accessToken, expiresAt: session.auth.expiresAt }, { 'Cache-Control': 'private, no-store' })
  );
}
