/**
 * Custom error pages: `onDenied` on the middleware and on one `requireAuth()`, receiving why the
 * request was refused (signed out with the login URL, or what was missing), on both frameworks.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Denial } from '../../lib/index.js';
import { FRAMEWORKS } from '../helpers/frameworks.js';
import { CAROL, Jar, startApp, startDevIdp, type DevIdp, type TestApp } from '../helpers/harness.js';

const HTML = { Accept: 'text/html' };

describe.each(FRAMEWORKS)('onDenied on %s', (_name, factory) => {
  let idp: DevIdp;
  let app: TestApp;
  const seen: Denial[] = [];
  beforeAll(async () => {
    idp = await startDevIdp();
    app = await startApp(idp, factory, {
      onDenied: ({ denial, response }: { denial: Denial; response: any }) => {
        seen.push(denial);
        const page = `<h1>${denial.reason === 'forbidden' ? 'Not for you' : 'Please sign in'}</h1>`;
        // the same page on both frameworks: Express's res, or Koa's ctx
        if (typeof response.status === 'function') response.status(denial.status).type('html').send(page);
        else ((response.status = denial.status), (response.type = 'html'), (response.body = page));
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await idp.close();
  });

  test('signed out: the app renders its page, told the login URL that comes back here', async () => {
    seen.length = 0;
    const res = await app.get('/me?tab=2', undefined, HTML);
    expect(res.status).toBe(401);
    expect(res.text).toBe('<h1>Please sign in</h1>');
    expect(seen).toEqual([{ reason: 'unauthenticated', status: 401, loginUrl: '/login?returnTo=%2Fme%3Ftab%3D2' }]);
  });

  test('signed in without a permission: the app renders its 403 page, told what is missing', async () => {
    const jar = new Jar();
    await app.signIn(jar, CAROL);
    seen.length = 0;
    const res = await app.get('/admin', jar, HTML);
    expect(res.status).toBe(403);
    expect(res.text).toBe('<h1>Not for you</h1>');
    expect(seen).toEqual([{ reason: 'forbidden', status: 403, missing: { permissions: ['members:manage'], roles: [], organization: false } }]);
    seen.length = 0;
    await app.get('/admins', jar, HTML);
    await app.get('/org-only', jar, HTML);
    expect(seen.map((d) => d.reason === 'forbidden' && d.missing)).toEqual([
      { permissions: [], roles: ['admin'], organization: false },
      { permissions: [], roles: [], organization: true },
    ]);
  });

  test("a requireAuth's own onDenied wins over the middleware's", async () => {
    const jar = new Jar();
    await app.signIn(jar, CAROL);
    seen.length = 0;
    const res = await app.get('/custom-denied', jar, HTML);
    expect(res.status).toBe(403);
    expect(res.text).toBe('<p>route page: forbidden</p>');
    expect(seen).toEqual([]);
  });

  test('middlewareAuth refusals go to onDenied too', async () => {
    const guarded = await startApp(idp, factory, {
      middlewareAuth: { enabled: true, unauthenticatedPaths: ['/public'] },
      onDenied: ({ denial, response }: { denial: Denial; response: any }) => {
        if (typeof response.status === 'function') response.status(418).send(denial.reason);
        else ((response.status = 418), (response.body = denial.reason));
      },
    });
    try {
      expect((await guarded.get('/public')).status).toBe(200);
      const res = await guarded.get('/me', undefined, HTML);
      expect(res.status).toBe(418);
      expect(res.text).toBe('unauthenticated');
    } finally {
      await guarded.close();
    }
  });

  test('without onDenied the defaults stand (302 for pages, 401/403 JSON otherwise)', async () => {
    const plain = await startApp(idp, factory);
    try {
      expect((await plain.get('/me', undefined, HTML)).headers.location).toBe('/login?returnTo=%2Fme');
      expect((await plain.get('/me')).status).toBe(401);
      const jar = new Jar();
      await plain.signIn(jar, CAROL);
      const res = await plain.get('/admin', jar);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'forbidden' });
    } finally {
      await plain.close();
    }
  });
});
