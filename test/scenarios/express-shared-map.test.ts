/**
 * sessionkit's middleware puts Express's `req` and `res` in dictionary mode first thing
 * (`lib/middleware/shared-map.ts`), so that requests share one hidden class instead of having
 * one each: checked with V8's own introspection (natives syntax, enabled in this test process),
 * and checked to change nothing a program can see. Whether two requests of a running app share
 * it depends on V8's cache slots, random per process (shared-map.ts): the app's requests are
 * checked for dictionary mode, the sharing itself on objects normalized one after the other.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express, { type Request, type Response } from 'express';
import { IncomingMessage, type RequestListener } from 'node:http';
import v8 from 'node:v8';
import { authMiddleware, requireAuth, type SessionKitOptions } from '../../lib/index.js';
import { shareMap } from '../../lib/middleware/shared-map.js';
import { ALICE, Jar, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';

v8.setFlagsFromString('--allow-natives-syntax');
/** V8: is `o` in fast mode (a hidden class with its own layout), not dictionary mode? */
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
/** V8: do `a` and `b` have the same hidden class? */
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** How many hidden classes `objects` have between them. */
function mapsAmong(objects: object[]): number {
  const maps: object[] = [];
  for (const o of objects) if (!maps.some((m) => haveSameMap(m, o))) maps.push(o);
  return maps.length;
}

/** Everything a program can see of an object's own properties, in order. */
function ownView(o: object) {
  return Reflect.ownKeys(o).map((key) => {
    const { value, get, set, ...flags } = Object.getOwnPropertyDescriptor(o, key)!;
    return { key, value, get, set, ...flags };
  });
}

/** The requests the route in front of sessionkit saw, as Express left them. */
const before: Request[] = [];
/** The requests and responses the routes below saw, as sessionkit left them. */
const seen: { req: Request; res: Response; fast: boolean; resFast: boolean }[] = [];

function app(options: SessionKitOptions<any>): RequestListener {
  const outer = express();
  // A route in front of sessionkit: Express alone.
  outer.get('/before', (req, res) => {
    before.push(req);
    res.json({ fast: hasFastProperties(req), resFast: hasFastProperties(res) });
  });
  outer.use(authMiddleware(options));
  const record = (req: Request, res: Response) => seen.push({ req, res, fast: hasFastProperties(req), resFast: hasFastProperties(res) });
  outer.get('/open', (req, res) => {
    record(req, res);
    res.json({ isAuthenticated: req.auth.isAuthenticated, path: req.path, query: req.query, baseUrl: req.baseUrl, originalUrl: req.originalUrl });
  });
  outer.get('/guarded', requireAuth(), (req, res) => {
    record(req, res);
    res.json({ user: req.auth.user?.email ?? null });
  });
  return outer as unknown as RequestListener;
}

describe('Express: req and res in dictionary mode behind sessionkit', () => {
  let idp: DevIdp;
  let target: TestApp;

  beforeAll(async () => {
    idp = await startDevIdp();
    target = await startApp(idp, app);
  });
  afterAll(async () => {
    await target?.close();
    await idp?.close();
  });

  test('in front of sessionkit a request is in fast mode (each with a hidden class of its own); behind it, in dictionary mode', async () => {
    expect((await target.get('/before')).body).toEqual({ fast: true, resFast: true });
    seen.length = 0;
    expect((await target.get('/open?x=1')).body).toEqual({ isAuthenticated: false, path: '/open', query: { x: '1' }, baseUrl: '', originalUrl: '/open?x=1' });
    expect(seen[0]).toMatchObject({ fast: false, resFast: false });
  });

  test('every request behind sessionkit is in dictionary mode, signed in or not, guarded or not; in front of it, each has a hidden class of its own', async () => {
    const jar = new Jar();
    await target.signIn(jar, ALICE);
    seen.length = 0;
    expect((await target.get('/guarded', jar)).body).toEqual({ user: ALICE.email });
    expect((await target.get('/guarded', jar)).body).toEqual({ user: ALICE.email });
    expect((await target.get('/open', jar)).body).toMatchObject({ isAuthenticated: true });
    expect((await target.get('/open')).body).toMatchObject({ isAuthenticated: false });
    expect(seen.map((s) => [s.fast, s.resFast])).toEqual(Array(4).fill([false, false]));
    before.length = 0;
    for (let i = 0; i < 4; i++) await target.get('/before', jar);
    expect(mapsAmong(before)).toBe(4);
  });
});

describe('shareMap', () => {
  test('a request-like object whose prototype was set: dictionary mode, the same properties in the same order', () => {
    const appRequest = Object.create(IncomingMessage.prototype); // as Express's app.request
    const make = () => {
      const req = new IncomingMessage(null as never);
      Object.setPrototypeOf(req, appRequest);
      Object.assign(req, { url: '/me', baseUrl: '', next: () => {} });
      Object.defineProperty(req, 'hidden', { value: 1, enumerable: false, writable: false, configurable: false });
      return req;
    };
    const req = make();
    const before = ownView(req);
    expect(hasFastProperties(req)).toBe(true);
    shareMap(req);
    expect(hasFastProperties(req)).toBe(false);
    expect(ownView(req)).toEqual(before);
    expect(JSON.stringify(Object.keys(req))).toBe(JSON.stringify(before.filter((p) => p.enumerable && typeof p.key === 'string').map((p) => p.key)));
    // Without it, each has a hidden class of its own; with it, they share one, and a property
    // added later builds none.
    const plain = Array.from({ length: 10 }, make);
    expect(mapsAmong(plain)).toBe(10);
    const shared = Array.from({ length: 10 }, make);
    for (const o of shared) shareMap(o); // nothing else put in dictionary mode in between
    expect(mapsAmong(shared)).toBe(1);
    shared.forEach((o, i) => ((o as any).auth = i));
    expect(mapsAmong(shared)).toBe(1);
    // Again on the same object: nothing changes.
    const now = ownView(req);
    shareMap(req);
    expect(ownView(req)).toEqual(now);
    expect((shared[3] as any).auth).toBe(3);
  });

  test('a Proxy whose trap refuses is left as it is, without an error', () => {
    const target = { a: 1 };
    const traps: string[] = [];
    const refusing = new Proxy(target, { set: () => (traps.push('set'), false), deleteProperty: () => (traps.push('delete'), false) });
    expect(() => shareMap(refusing)).not.toThrow();
    expect(traps).toEqual(['set']);
    expect(Reflect.ownKeys(target)).toEqual(['a']);
  });

  test('an object that takes no property (frozen, sealed, not extensible) is left as it is, without an error', () => {
    for (const close of [Object.freeze, Object.seal, Object.preventExtensions]) {
      const o = close({ a: 1, b: 2 });
      const before = ownView(o);
      expect(() => shareMap(o)).not.toThrow();
      expect(ownView(o)).toEqual(before);
      expect(hasFastProperties(o)).toBe(true);
    }
  });
});
