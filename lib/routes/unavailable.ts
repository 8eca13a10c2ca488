/**
 * The answer of a route that needs the provider while it cannot be discovered: `503` with
 * `Retry-After`, an HTML page for a browser and JSON for an API client.
 *
 * @packageDocumentation
 */
import { acceptsHtml, html, json, type Reply, type RequestView } from '../core/http.js';
import { notice } from './page.js';

/** Seconds a client is told to wait before trying again. */
const RETRY_AFTER = '5';

/** `503`: HTML when the request accepts it (a browser navigation), else `{ "error": "provider_unavailable" }`. */
export function providerUnavailable(request: RequestView): Reply {
  if (acceptsHtml(request)) {
    const reply = html(
      503,
      notice('Sign-in is unavailable right now', ['The sign-in service cannot be reached at the moment. Please try again in a few seconds.'], ''),
    );
    return { ...reply, headers: { ...reply.headers, 'Retry-After': RETRY_AFTER, 'Cache-Control': 'no-store' } };
  }
  return json(503, { error: 'provider_unavailable' }, { 'Retry-After': RETRY_AFTER });
}
