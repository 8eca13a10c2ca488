/**
 * The Express adapter reads `req.path` from `req.url` itself (one property read instead of
 * Express's getter): for every target it answers, it must answer what Express's `req.path` does.
 */
import { describe, expect, test } from '@jest/globals';
import express from 'express';
import fc from 'fast-check';
import { pathOf } from '../../lib/middleware/express.js';

/** Express's own `req.path` for a request whose `req.url` is `url`. */
function expressPath(url: string): string {
  const req = Object.create(express.request, { url: { value: url, writable: true } });
  return req.path;
}

const char = fc.constantFrom('/', '?', '#', '&', '=', '%', '2', '0', 'a', ' ', '\t', '\n', '\r', '\f', '\u00a0', '\ufeff', ';', '.', ':', '@');

describe('pathOf (Express req.path from req.url)', () => {
  test.each(['/', '/me', '/me?x=1', '/me?', '/a/b?c=/d?e', '/a%20b?q', '/login?returnTo=%2Fme'])('%s', (url) => {
    expect(pathOf(url)).toBe(expressPath(url));
  });

  test('targets off parseurl\'s fast path are left to Express', () => {
    for (const url of ['*', 'http://host/me', '/me#x', '/a b', '/a\tb', '/me?x=#', '/a\u00a0b', '/a\ufeffb', '']) expect(pathOf(url)).toBeUndefined();
  });

  test('whatever the target, an answer is the one Express gives', () => {
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }).map((cs) => cs.join('')), fc.boolean(), (rest, slash) => {
        const url = (slash ? '/' : '') + rest;
        const mine = pathOf(url);
        if (mine !== undefined) expect(mine).toBe(expressPath(url));
      }),
      { numRuns: 3000 },
    );
  });
});
