/**
 * sessionkit adds its `Vary` and `Set-Cookie` values to what the app already set, never in their
 * place: an app (or a CORS middleware) in front of sessionkit that sets `Vary: Origin` and a
 * cookie of its own keeps both, on the cached path, signed out, and on the sign-in that writes
 * the session cookie. (The sink sets a header it finds absent, and appends to one it finds.) The
 * signed-in requests are checked to have taken the cached path.
 */
import { describe, expect, jest, test } from '@jest/globals';
import express from 'express';
import Koa from 'koa';
import type { RequestListener, ServerResponse } from 'node:http';
import { authMiddleware, type SessionKitOptions } from '../../lib/index.js';
import { koaAuth } from '../../lib/koa.js';
import { RequestSession } from '../../lib/core/request-session.js';
import { ALICE, Jar, setCookies, suiteApps } from '../helpers/harness.js';

/** What the app sets before sessionkit runs. */
function appHeaders(res: ServerResponse): void {
  res.setHeader('Vary', 'Origin');
  res.setHeader('Set-Cookie', 'app=1; Path=/');
}

function expressApp(options: SessionKitOptions<any>): RequestListener {
  const app = express();
  app.use((_req, res, next) => (appHeaders(res), next()));
  app.use(authMiddleware(options));
  app.get('/page', (req, res) => res.json({ isAuthenticated: req.auth.isAuthenticated }));
  return app as unknown as RequestListener;
}

function koaApp(options: SessionKitOptions<any>): RequestListener {
  const app = new Koa();
  app.use((ctx, next) => (appHeaders(ctx.res), next()));
  app.use(koaAuth(options));
  app.use((ctx) => {
    ctx.body = { isAuthenticated: ctx.state.auth.isAuthenticated };
  });
  return app.callback();
}

describe.each([
  ['Express', expressApp],
  ['Koa', koaApp],
])('%s: headers the app set before sessionkit are kept', (_name, factory) => {
  const s = suiteApps(factory, { app: {} });

  test('Vary: Origin and the app cookie stay beside Vary: Cookie and the session cookie', async () => {
    const signedOut = await s.app.get('/page');
    expect(signedOut.body).toEqual({ isAuthenticated: false });
    expect(signedOut.headers.vary).toBe('Origin, Cookie');

    const jar = new Jar();
    const done = await s.app.signIn(jar, ALICE);
    expect(setCookies(done)).toEqual(expect.arrayContaining(['app=1; Path=/', expect.stringMatching(/^sessionkit(\.0)?=/)]));

    // Sign-in cached the seal it wrote: both requests take the cached path, which writes the two
    // cache headers on its own (RequestSession.signedIn); the full path (`RequestSession.load`) is
    // never entered, or these two requests would not test the cached path at all.
    const load = jest.spyOn(RequestSession, 'load');
    try {
      for (let i = 0; i < 2; i++) {
        const page = await s.app.get('/page', jar);
        expect(page.body).toEqual({ isAuthenticated: true });
        expect(page.headers.vary).toBe('Origin, Cookie');
        expect(page.headers['cache-control']).toBe('private, no-store');
        expect(setCookies(page)).toEqual(['app=1; Path=/']);
      }
      expect(load).not.toHaveBeenCalled();
    } finally {
      load.mockRestore(); // the next framework's test starts without it, whatever happened here
    }
  });
});
