/**
 * Express's request object as sessionkit leaves it: `req.session` (served by an accessor on the
 * app's request prototype, so that only `req.auth` is added to each request) behaves like the
 * plain property it replaced — the record, null signed out, following a refresh, yielding to a
 * session another middleware owns — and `req.path` as the adapter reads it from `req.url`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express, { type Request } from 'express';
import type { RequestListener } from 'node:http';
import { authMiddleware, requireAuth, type SessionKitOptions } from '../../lib/index.js';
import { ALICE, Jar, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';

type WithSession = Request & { session?: any };

/** What a handler sees of `req.session`. */
function describeSession(req: WithSession) {
  const session = req.session;
  return {
    kind: session === undefined ? 'undefined' : session === null ? 'null' : typeof session,
    own: Object.hasOwn(req, 'session'),
    accessToken: session?.accessToken ?? null,
    mine: session?.mine ?? null,
    authAccessToken: req.auth?.accessToken ?? null,
  };
}

/** One object shared as `res.locals` by every request under `/shared` (an app's own choice). */
const SHARED_LOCALS: Record<string, unknown> = {};
/** Holds a request to `/shared/slow` until the test releases it. */
const gate = { arrived: () => {}, released: Promise.resolve() };

/** An Express app with routes before and after sessionkit, and a second app's middleware in the same process. */
function app(options: SessionKitOptions<any>): RequestListener {
  const outer = express();
  outer.get('/before', (req, res) => res.json(describeSession(req)));
  // Another middleware that owns req.session on one path, set before sessionkit runs.
  outer.use('/owned', (req: WithSession, _res, next) => {
    req.session = { mine: 'before' };
    next();
  });
  // Another middleware that sets req.auth of its own before sessionkit (express-jwt does).
  outer.use('/theirs', (req: any, _res, next) => {
    req.auth = { theirs: true };
    next();
  });
  // An app that shares one object as res.locals between requests, and one that freezes it.
  outer.use('/shared', (_req, res, next) => ((res.locals = SHARED_LOCALS), next()));
  outer.use('/frozen', (_req, res, next) => ((res.locals = Object.freeze(Object.create(null))), next()));
  outer.use(authMiddleware(options));
  const shown = (req: Request) => ({ isAuthenticated: req.auth?.isAuthenticated ?? null, user: req.auth?.user?.email ?? null });
  outer.get('/shared/slow', async (req, res) => {
    gate.arrived();
    await gate.released;
    res.json(shown(req));
  });
  outer.get('/shared/fast', (req, res) => res.json(shown(req)));
  outer.get('/frozen/seen', requireAuth(), (req, res) => res.json(shown(req)));
  outer.get('/theirs/auth', (req, res) => res.json({ isAuthenticated: req.auth.isAuthenticated, theirs: (req.auth as any).theirs ?? null }));
  // A handler that assigns req.auth after sessionkit.
  outer.get('/assign', (req: any, res) => {
    req.auth = { mine: true };
    res.json({ auth: req.auth, own: Object.hasOwn(req, 'auth') });
  });
  outer.get('/seen', (req, res) => res.json(describeSession(req)));
  outer.get('/owned/seen', (req, res) => res.json(describeSession(req)));
  // An express-session-like middleware after sessionkit: it keeps a session it sees, else makes its own.
  outer.get('/after', (req: WithSession, res) => {
    const had = !!req.session;
    if (!had) req.session = { mine: 'after' };
    res.json({ had, ...describeSession(req) });
  });
  outer.post('/refresh', requireAuth(), async (req, res, next) => {
    try {
      const before = (req as WithSession).session.accessToken;
      await req.auth.refresh();
      res.json({ changed: before !== (req as WithSession).session.accessToken, ...describeSession(req) });
    } catch (error) {
      next(error);
    }
  });
  outer.get('/path/:rest', (req, res) => res.json({ path: req.path, isAuthenticated: req.auth.isAuthenticated }));
  // A sub-app mounted after sessionkit (its own request prototype while inside it).
  const sub = express();
  sub.get('/seen', requireAuth(), (req, res) => res.json(describeSession(req)));
  outer.use('/sub', sub);
  // res.locals as templates see it: nothing of sessionkit's under a string key.
  outer.get('/locals', (_req, res) => res.json({ keys: Object.keys(res.locals), json: JSON.stringify(res.locals) }));
  // res.locals replaced after sessionkit: requireAuth() says what went wrong.
  outer.get('/replaced', (_req, res, next) => ((res.locals = {}), next()), requireAuth(), (_req, res) => res.json({ reached: true }));
  outer.use('/replaced', (error: Error & { code?: string }, _req: Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ code: error.code, message: error.message });
  });
  return outer as unknown as RequestListener;
}

describe('Express: req.session and req.path', () => {
  let idp: DevIdp;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    idp = await startDevIdp({ rotateRefreshTokens: true });
    first = await startApp(idp, app);
    second = await startApp(idp, app); // another app in the process: its own request prototype
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await idp.close();
  });

  test('signed out: req.session is null behind sessionkit, undefined in front of it', async () => {
    expect((await first.get('/seen')).body).toMatchObject({ kind: 'null', own: false, authAccessToken: null });
    expect((await first.get('/before')).body).toMatchObject({ kind: 'undefined', own: false });
  });

  test('signed in: req.session is the record (its access token is the one req.auth shows), on every app of the process', async () => {
    for (const target of [first, second]) {
      const jar = new Jar();
      await target.signIn(jar, ALICE);
      const body = (await target.get('/seen', jar)).body;
      expect(body.kind).toBe('object');
      expect(body.accessToken).toEqual(expect.any(String));
      expect(body.accessToken).toBe(body.authAccessToken);
      // A route in front of sessionkit still sees no session.
      expect((await target.get('/before', jar)).body).toMatchObject({ kind: 'undefined' });
    }
  });

  test('a session another middleware set before sessionkit is kept', async () => {
    const jar = new Jar();
    await first.signIn(jar, ALICE);
    const body = (await first.get('/owned/seen', jar)).body;
    expect(body).toMatchObject({ kind: 'object', own: true, mine: 'before', accessToken: null });
    expect(body.authAccessToken).toEqual(expect.any(String));
  });

  test('a middleware after sessionkit sees the record signed in, and may set its own when signed out', async () => {
    const jar = new Jar();
    expect((await first.get('/after', jar)).body).toMatchObject({ had: false, kind: 'object', own: true, mine: 'after' });
    await first.signIn(jar, ALICE);
    expect((await first.get('/after', jar)).body).toMatchObject({ had: true, kind: 'object', own: false, mine: null });
    // The next request is not touched by what the previous one assigned.
    expect((await first.get('/seen', jar)).body).toMatchObject({ kind: 'object', own: false });
  });

  test('a req.auth set before sessionkit is replaced by its own; one assigned after it sticks', async () => {
    const jar = new Jar();
    await first.signIn(jar, ALICE);
    expect((await first.get('/theirs/auth', jar)).body).toEqual({ isAuthenticated: true, theirs: null });
    expect((await first.get('/assign', jar)).body).toEqual({ auth: { mine: true }, own: true });
    // and the next request shows sessionkit's again
    expect((await first.get('/seen', jar)).body).toMatchObject({ kind: 'object', own: false });
  });

  test('req.session follows req.auth.refresh() within the request', async () => {
    const jar = new Jar();
    await first.signIn(jar, ALICE);
    const body = (await first.send('POST', '/refresh', jar, { headers: { Accept: 'application/json' } })).body;
    expect(body.changed).toBe(true);
    expect(body.accessToken).toBe(body.authAccessToken);
  });

  test('a sub-app mounted after sessionkit sees req.auth and req.session; res.locals shows nothing of it to templates', async () => {
    const jar = new Jar();
    expect((await first.get('/sub/seen', jar, { Accept: 'application/json' })).status).toBe(401);
    await first.signIn(jar, ALICE);
    const body = (await first.get('/sub/seen', jar)).body;
    expect(body).toMatchObject({ kind: 'object', own: false });
    expect(body.accessToken).toBe(body.authAccessToken);
    expect((await first.get('/locals', jar)).body).toEqual({ keys: [], json: '{}' });
  });

  test('res.locals replaced after sessionkit: requireAuth() fails naming res.locals, never lets the request through', async () => {
    const jar = new Jar();
    await first.signIn(jar, ALICE);
    const res = await first.get('/replaced', jar, { Accept: 'application/json' });
    expect(res.status).toBe(500);
    expect(res.body.reached).toBeUndefined();
    expect(res.body.message).toMatch(/res\.locals/);
  });

  test('an app that shares one res.locals between requests: each request still sees its own req.auth, never another one\'s', async () => {
    const alice = new Jar();
    await first.signIn(alice, ALICE);
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (gate.arrived = resolve));
    gate.released = new Promise<void>((resolve) => (release = resolve));
    const anonymous = first.get('/shared/slow', new Jar(), { Accept: 'application/json' });
    await arrived; // the signed-out request has its req.auth, and waits
    expect((await first.get('/shared/fast', alice)).body).toEqual({ isAuthenticated: true, user: ALICE.email });
    release();
    expect((await anonymous).body).toEqual({ isAuthenticated: false, user: null });
    expect((await first.get('/shared/fast', alice)).body).toEqual({ isAuthenticated: true, user: ALICE.email });
    expect((await first.get('/shared/fast', new Jar())).body).toEqual({ isAuthenticated: false, user: null });
  });

  test('a frozen res.locals: req.auth is a plain property of the request instead', async () => {
    const jar = new Jar();
    expect((await first.get('/frozen/seen', jar, { Accept: 'application/json' })).status).toBe(401);
    await first.signIn(jar, ALICE);
    expect((await first.get('/frozen/seen', jar)).body).toEqual({ isAuthenticated: true, user: ALICE.email });
  });

  test.each([
    ['/path/a', '/path/a'],
    ['/path/a?x=1&y=/z', '/path/a'],
    ['/path/a?', '/path/a'],
    ['/path/a%20b?q', '/path/a%20b'],
  ])('req.path of %s is %s, and the request is served signed in', async (target, path) => {
    const jar = new Jar();
    await first.signIn(jar, ALICE);
    expect((await first.get(target, jar)).body).toEqual({ path, isAuthenticated: true });
  });

  test('sessionkit routes are found with a query string and after a path Express would parse the slow way', async () => {
    expect((await first.get('/login?returnTo=%2Fseen')).status).toBe(302);
    expect((await first.get('/seen?x=%20#frag')).body).toMatchObject({ kind: 'null' });
  });
});
