/**
 * `GET /session` and `GET /access-token`: same-origin JSON for front ends. The first never
 * carries tokens; the second hands the (already refreshed) access token to the page's own code.
 *
 * @packageDocumentation
 */
import { json, type Reply } from '../core/http.js';
import type { RequestSession } from '../core/request-session.js';
import { publicView } from '../core/view.js';

function refuse(session: RequestSession): Reply | null {
  if (!session.auth.isAuthenticated) return json(401, { error: 'unauthenticated' }, { 'Cache-Control': 'no-store' });
  return null;
}

/** Answer `GET /session`. */
export function sessionInfo(session: RequestSession): Reply {
  return refuse(session) ?? json(200, publicView(session.auth));
}

/** Answer `GET /access-token`. */
export function accessToken(session: RequestSession): Reply {
  return (
    refuse(session) ??
    json(200, { accessToken: session.auth.accessToken, expiresAt: session.auth.expiresAt }, { 'Cache-Control': 'private, no-store' })
  );
}
