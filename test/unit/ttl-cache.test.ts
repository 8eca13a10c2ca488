/** The cache of unsealed cookies: entries expire, the oldest makes room, nothing else happens. */
import { describe, expect, test } from '@jest/globals';
import { TtlCache } from '../../lib/core/ttl-cache.js';

describe('TtlCache', () => {
  test('an entry lives for its ttl, then is gone (and dropped)', () => {
    const cache = new TtlCache<string, number>(10);
    const t = Date.now();
    cache.set('a', 1, 1000);
    expect(cache.get('a', t)).toBe(1);
    expect(cache.get('a', t + 999)).toBe(1);
    expect(cache.get('a', t + 2000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('a non-positive ttl keeps nothing', () => {
    const cache = new TtlCache<string, number>(10);
    cache.set('a', 1, 0);
    cache.set('b', 1, -5);
    cache.set('c', 1, Number.NaN);
    expect(cache.size).toBe(0);
  });

  test('full: the oldest entry makes room; setting a key again makes it the newest', () => {
    const cache = new TtlCache<string, number>(3);
    cache.set('a', 1, 60_000);
    cache.set('b', 2, 60_000);
    cache.set('c', 3, 60_000);
    cache.set('a', 4, 60_000); // a is now the newest
    cache.set('d', 5, 60_000); // b, the oldest, goes
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([4, undefined, 3, 5]);
    expect(cache.size).toBe(3);
  });
});
