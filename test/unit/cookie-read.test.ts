/**
 * The session cookie is found in place in the Cookie header (no object of every cookie per
 * request): it must read exactly what the `cookie` package reads, for any header.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'cookie';
import { firstValue, nameStart, valueStart } from '../../lib/core/cookie-header.js';

const NAMES = ['sessionkit', 'sessionkit.0', 'sessionkit.1'];
const PIECES = ['sessionkit', 'sessionkit.0', 'sessionkit.1', 'x', ' ', ';', '=', '%', '%41', '"', '\t', 'a', 'my_sessionkit', 'sessionkitx', ' sessionkit ', '%E0', 'Fe26.2**abc~2'];

describe('firstValue (the session cookie read in place)', () => {
  it('reads what the cookie package reads, for generated headers', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }), fc.constantFrom(...NAMES), (pieces, name) => {
        const header = pieces.join('');
        expect(firstValue(header, name)).toBe(parse(header)[name]);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads the first of duplicates, and never a name inside another pair', () => {
    expect(firstValue('a=1; sessionkit=first; sessionkit=second', 'sessionkit')).toBe('first');
    expect(firstValue('my_sessionkit=no; x=sessionkit=no', 'sessionkit')).toBeUndefined();
    expect(firstValue('junk; sessionkit = spaced ', 'sessionkit')).toBe('spaced');
  });
});

describe('nameStart (where the pair valueStart found begins)', () => {
  it('steps back over the blanks, the = and the name', () => {
    for (const [header, at] of [['sessionkit=v', 0], ['  sessionkit=v', 2], ['a=1; sessionkit=v', 5], ['a=1;sessionkit \t= \tv', 4], ['sessionkit.0=x; sessionkit=v', 16]] as const) {
      expect(nameStart(header, valueStart(header, 'sessionkit'), 'sessionkit'.length)).toBe(at);
    }
    // A dotted name: the chunk prefix `a.b.` still cannot sit between the pair's name and its value.
    expect(nameStart('a.b.0=x; a.b = v', valueStart('a.b.0=x; a.b = v', 'a.b'), 3)).toBe(9);
  });
});

describe('SessionCookies.read (the session value and the names that carry it)', () => {
  // The reference: every cookie parsed by the cookie package, then the single cookie or the chunks.
  function reference(header: string): { value: string | null; names: string[] } {
    const jar = parse(header);
    const names: string[] = [];
    let value: string | null = null;
    if (jar.sessionkit !== undefined) {
      names.push('sessionkit');
      value = jar.sessionkit;
    }
    let joined = '';
    for (let i = 0; i < 11; i++) {
      const part = jar[`sessionkit.${i}`];
      if (part === undefined) break;
      names.push(`sessionkit.${i}`);
      joined += part;
    }
    if (value === null && joined) value = names.length > 10 ? '' : joined;
    return { value, names };
  }

  it('reads what the cookie package reads, chunks and strays included', async () => {
    const { SessionCookies } = await import('../../lib/core/session-cookie.js');
    const { resolveConfig } = await import('../../lib/config.js');
    const cookies = new SessionCookies(resolveConfig({ issuer: 'https://idp.example', clientId: 'c', baseURL: 'https://app.example', cookie: { password: 'p'.repeat(32) } }, {}));
    const pieces = [...PIECES, 'sessionkit.2', 'sessionkit.0=a', 'sessionkit.1=b', 'sessionkit=v', '; ', 'x=sessionkit.0'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 14 }), (parts) => {
        const header = parts.join('');
        expect(cookies.read(header)).toEqual(reference(header));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('SessionCookies.lookup (the cached path finds the cookie in place)', () => {
  it('finds a cached cookie exactly when read() would find that one cookie alone; null exactly when there is none', async () => {
    const { SessionCookies } = await import('../../lib/core/session-cookie.js');
    const { resolveConfig } = await import('../../lib/config.js');
    const cookies = new SessionCookies(resolveConfig({ issuer: 'https://idp.example', clientId: 'c', baseURL: 'https://app.example', cookie: { password: 'p'.repeat(32) } }, {}));
    const record = { v: 1, id: 'abc', user: { id: 'u' }, accessToken: 'at', expiresAt: Math.floor(Date.now() / 1000) + 3600, createdAt: Math.floor(Date.now() / 1000) } as any;
    const { headers } = await cookies.write(record, []);
    const sealed = headers[0]!.split(';')[0]!.slice('sessionkit='.length);
    const other = (await cookies.write({ ...record, id: 'def' }, [])).headers[0]!.split(';')[0]!.slice('sessionkit='.length);
    const now = Date.now();
    expect(cookies.lookup(`sessionkit=${sealed}`, now)?.value).toBe(sealed);
    expect(cookies.lookup(`sessionkit=${other}`, now)?.value).toBe(other); // two seals, two cache keys
    const variants = [
      sealed,
      other,
      `${sealed.slice(0, -1)}x`, // the same cache key (digits of the seal's salt), another value
      `${sealed.slice(0, 28)}${other.slice(28)}`, // the same cache key, another seal's rest
      sealed.slice(0, 24), // shorter than the cache key
      `${sealed}x`,
      sealed.slice(0, 100),
      `%46${sealed.slice(1)}`, // decodes to the sealed value: read() finds it, lookup leaves it to read()
      '',
    ];
    const pieces = ['sessionkit=', 'sessionkit =', 'sessionkit.0=', 'sessionkit.1=', 'x=1', '; ', ';', ' ', '\t', 'a', 'my_sessionkit=', ...variants];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 10 }), (parts) => {
        const header = parts.join('');
        const found = cookies.lookup(header, now);
        const read = cookies.read(header);
        const alone = read.names.length === 1 && read.names[0] === 'sessionkit' && read.value !== null;
        if (found === null) expect(read).toEqual({ value: null, names: [] });
        else if (found) {
          expect(alone).toBe(true);
          expect(found.value).toBe(read.value);
          expect(found).toBe(cookies.cached(read.value!, now));
        } else if (alone && cookies.cached(read.value!, now)) {
          // Left to read() with a cached seal alone: only when it was written encoded, or a chunk name stands beside it.
          expect(header.includes('%') || header.split(read.value!).join('').includes('sessionkit.')).toBe(true);
        }
      }),
      { numRuns: 20_000 },
    );
    expect(cookies.lookup(undefined, now)).toBeNull();
    expect(cookies.lookup([`sessionkit=${sealed}`], now)).toBeUndefined(); // a list of headers: read() decides
  });
});
