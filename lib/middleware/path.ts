/**
 * The pathname of a request target, as Express, Koa and Fastify route on it: up to the first `?`
 * or `#`, not decoded. Shared by the adapters that only have `req.url`.
 *
 * @packageDocumentation
 */

/** `url` up to its query or fragment (`/a/b?x=1` → `/a/b`). */
export function pathOf(url: string): string {
  let end = url.indexOf('?');
  const hash = url.indexOf('#');
  if (hash >= 0 && (end < 0 || hash < end)) end = hash;
  return end < 0 ? url : url.slice(0, end);
}
