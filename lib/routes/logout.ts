/**
 * `POST /logout` (and `GET`): revoke the refresh token (best effort), clear every cookie chunk,
 * and go to the provider's end-session URL or to `postLogoutRedirect`. A cross-site request ends
 * nothing; a request without a session changes no cookie.
 *
 * @packageDocumentation
 */
import { randomState } from 'openid-client';
import type { Core } from '../core/engine.js';
import { html, isCrossSite, json, redirect, wantsJson, type Reply } from '../core/http.js';
import type { RequestSession } from '../core/request-session.js';
import { notice } from './page.js';

/** Answer `/logout`. */
export async function logout(core: Core, session: RequestSession): Promise<Reply> {
  const { cfg } = core;
  const { request } = session;
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST') return json(405, { error: 'method_not_allowed' }, { Allow: 'GET, POST' });
  if (isCrossSite(request, cfg.baseURL.origin)) {
    if (method === 'POST') return json(403, { error: 'cross_site_request' });
    // A link from another site: ask the user, with a button that posts from our own page.
    // Never inside another site's frame (no clickjacking of the button).
    const page = html(200, confirmPage(request.originalUrl));
    return { ...page, headers: { ...page.headers, 'Content-Security-Policy': "frame-ancestors 'none'", 'X-Frame-Options': 'DENY' } };
  }
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
