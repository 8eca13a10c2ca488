/**
 * The one cookie jar of the tests, and the Set-Cookie helpers: a browser's cookies for one app as
 * an ordered list of pairs, so that duplicate names (a cookie tossed from another path or
 * subdomain) can be sent too.
 */

/** Session cookie names: `sessionkit` and its chunks `sessionkit.N` (not transactions). */
export const SESSION_COOKIE = /^sessionkit(\.\d+)?$/;

type WithHeaders = { headers: Record<string, unknown> };

/** A parsed Set-Cookie line: name, value, and whether it deletes the cookie. */
export interface SetCookie {
  name: string;
  value: string;
  deleted: boolean;
  line: string;
}

/** The Set-Cookie headers of a supertest/fetch response as an array. */
export function setCookies(res: WithHeaders): string[] {
  const v = res.headers['set-cookie'];
  return v === undefined ? [] : ([] as string[]).concat(v as string | string[]);
}

/** Parse Set-Cookie lines (an empty value or `Max-Age=0` deletes). */
export function parseSetCookies(lines: string[] | string | undefined): SetCookie[] {
  return ([] as string[]).concat(lines ?? []).map((line) => {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const deleted = value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
    return { name, value, deleted, line };
  });
}

/** The name and value of each Set-Cookie line of a response, and whether it deletes the cookie. */
export function parsedSetCookies(res: WithHeaders): SetCookie[] {
  return parseSetCookies(setCookies(res));
}

/** Session cookie names (`sessionkit`, `sessionkit.N`) the response deletes. */
export function clearedSessionCookies(res: WithHeaders): string[] {
  return parsedSetCookies(res).filter((c) => SESSION_COOKIE.test(c.name) && c.deleted).map((c) => c.name);
}

/** Session cookie names the response writes a value into. */
export function writtenSessionCookies(res: WithHeaders): string[] {
  return parsedSetCookies(res).filter((c) => SESSION_COOKIE.test(c.name) && !c.deleted).map((c) => c.name);
}

/** A browser's cookies for one app, in order; names may repeat. A deletion removes every pair of that name. */
export class Jar {
  /** The cookies as [name, value] pairs, in the order they are sent. */
  pairs: [string, string][];

  constructor(pairs: [string, string][] = []) {
    this.pairs = pairs.map(([k, v]) => [k, v]);
  }

  /** How many pairs the jar holds. */
  get size(): number {
    return this.pairs.length;
  }

  /** The first value of `name`. */
  get(name: string): string | undefined {
    return this.pairs.find(([k]) => k === name)?.[1];
  }

  /** Whether the jar holds `name`. */
  has(name: string): boolean {
    return this.pairs.some(([k]) => k === name);
  }

  /** Replace the first pair of `name` in place, or add it at the end. */
  set(name: string, value: string): this {
    const i = this.pairs.findIndex(([k]) => k === name);
    if (i < 0) this.pairs.push([name, value]);
    else this.pairs[i] = [name, value];
    return this;
  }

  /** Remove every pair of `name`. */
  delete(name: string): this {
    this.pairs = this.pairs.filter(([k]) => k !== name);
    return this;
  }

  /** Add a pair even when the name is there already (at the front with `first`). */
  add(name: string, value: string, first = false): this {
    if (first) this.pairs.unshift([name, value]);
    else this.pairs.push([name, value]);
    return this;
  }

  /** Every name, in order (repeats included). */
  names(): string[] {
    return this.pairs.map(([k]) => k);
  }

  /** Names of the session cookies (`name`, `name.0`, …), not transactions. */
  sessionNames(name = 'sessionkit'): string[] {
    const re = name === 'sessionkit' ? SESSION_COOKIE : new RegExp(`^${name}(\\.\\d+)?$`);
    return this.names().filter((n) => re.test(n));
  }

  /** The Cookie header to send. */
  header(): string {
    return this.pairs.map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Take Set-Cookie lines: a written cookie replaces every pair of its name (in the first one's place). */
  take(setCookie: string[] | string | undefined): this {
    for (const c of parseSetCookies(setCookie)) {
      const i = this.pairs.findIndex(([k]) => k === c.name);
      this.delete(c.name);
      if (!c.deleted) this.pairs.splice(i < 0 ? this.pairs.length : i, 0, [c.name, c.value]);
    }
    return this;
  }

  /** An independent copy (another tab of the same browser, or a stolen cookie). */
  clone(): Jar {
    return new Jar(this.pairs);
  }
}
