/** A minimal cookie jar for tests: remembers Set-Cookie values by name, honours deletion. */
export class Jar {
  readonly cookies = new Map<string, string>();

  /** Take the Set-Cookie headers of a response. */
  take(setCookie: string[] | string | undefined): void {
    for (const line of ([] as string[]).concat(setCookie ?? [])) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The Cookie header to send. */
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Names of the session cookies (`name`, `name.0`, …), not transactions. */
  sessionNames(name = 'sessionkit'): string[] {
    return [...this.cookies.keys()].filter((k) => k === name || new RegExp(`^${name}\\.\\d+$`).test(k));
  }

  clone(): Jar {
    const j = new Jar();
    for (const [k, v] of this.cookies) j.cookies.set(k, v);
    return j;
  }
}

/** The Set-Cookie headers of a supertest/fetch response as an array. */
export function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const v = res.headers['set-cookie'];
  return v === undefined ? [] : ([] as string[]).concat(v as string | string[]);
}
