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
