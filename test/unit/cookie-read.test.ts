/**
 * The session cookie is found in place in the Cookie header (no object of every cookie per
 * request): it must read exactly what the `cookie` package reads, for any header.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'cookie';
import { firstValue } from '../../lib/core/cookie-header.js';

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
