/**
 * `POST /logout` (and `GET`): revoke the refresh token (best effort), clear every cookie chunk,
 * and go to the provider's end-session URL or to `postLogoutRedirect`. A cross-site request ends
 * nothing; a request without a session changes no cookie.
 *
 * @packageDocumentation
 */
import { randomState } from 'openid-client';
import type { CoreContext } from '../core/context.js';
import { html, json, redirect, wantsJson, type Reply, type RequestView } from '../core/http.js';
import type { RequestSession } from '../core/request-session.js';
import { notice } from './page.js';

/**
 * A logout another site sent: a `POST` is refused; a link (`GET`) asks the user, with a button that
 * posts from our own page — never inside another site's frame (no clickjacking of the button).
 */
export function crossSiteLogout(request: RequestView): Reply {
  if (request.method.toUpperCase() === 'POST') return json(403, { error: 'cross_site_request' });
  const page = html(200, confirmPage(request.originalUrl));
  return { ...page, headers: { ...page.headers, 'Content-Security-Policy': "frame-ancestors 'none'", 'X-Frame-Options': 'DENY' } };
}

/** Answer `/logout` (a `GET` or `POST` from the app's own pages). */
export async function logout(core: CoreContext, session: RequestSession): Promise<Reply> {
  const { cfg } = core;
  const { request } = session;
  const method = request.method.toUpperCase();
  const status = method === 'POST' ? 303 : 302;
  if (!session.record) {
    return wantsJson(request) ? json(200, { signedOut: true }) : redirect(cfg.postLogoutRedirect, status);
  }
  const record = await session.signOut();
  let target = cfg.postLogoutRedirect;
  if (record?.idToken) {
    const url = await core.provider
      // `state` (RP-Initiated Logout 1.0 §2): some providers send the user back to
      // post_logout_redirect_uri only when it is present.
      .endSessionUrl({ id_token_hint: record.idToken, post_logout_redirect_uri: cfg.postLogoutRedirect, client_id: cfg.clientId, state: randomState() })
      .catch(() => null);
    if (url) target = url.href;
  }
  return wantsJson(request) ? json(200, { signedOut: true, redirectTo: target }) : redirect(target, status);
}

function confirmPage(action: string): string {
  const escaped = action.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return notice('Sign out?', ['Another site sent you here to sign out.'], `<form method="post" action="${escaped}"><button type="submit">Sign out</button></form>`);
}
