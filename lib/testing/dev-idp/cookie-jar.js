// A minimal cookie jar for driving the dev IdP's pages with fetch (http-login.js).

/**
 * A minimal cookie jar: host-only cookies, path matching, expiry. Enough for the dev IdP.
 */
export class CookieJar {
  /** @type {Map<string, { name: string, value: string, host: string, path: string, expires: number }>} */
  #cookies = new Map();

  /**
   * Stores the Set-Cookie headers of a response to `url`.
   * @param {string | URL} url
   * @param {Headers} headers
   */
  store(url, headers) {
    const { hostname, pathname } = new URL(url);
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = pathname.slice(0, pathname.lastIndexOf('/') + 1) || '/';
      let expires = Infinity;
      for (const attribute of attributes) {
        const [k, ...rest] = attribute.split('=');
        const key = k.trim().toLowerCase();
        const v = rest.join('=').trim();
        if (key === 'path' && v.startsWith('/')) path = v;
        else if (key === 'max-age') expires = Date.now() + Number(v) * 1000;
        else if (key === 'expires' && expires === Infinity) expires = Date.parse(v);
      }
      const id = `${hostname};${path};${name}`;
      if (expires <= Date.now()) this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, host: hostname, path, expires });
    }
  }

  /**
   * The Cookie header value to send to `url` ('' when none).
   * @param {string | URL} url
   */
  header(url) {
    const { hostname, pathname } = new URL(url);
    const now = Date.now();
    const out = [];
    for (const [id, c] of this.#cookies) {
      if (c.expires <= now) {
        this.#cookies.delete(id);
        continue;
      }
      const pathMatches = pathname === c.path
        || (pathname.startsWith(c.path) && (c.path.endsWith('/') || pathname[c.path.length] === '/'));
      if (c.host === hostname && pathMatches) out.push(`${c.name}=${c.value}`);
    }
    return out.join('; ');
  }

  /** Number of cookies held (for assertions). */
  get size() {
    return this.#cookies.size;
  }
}
