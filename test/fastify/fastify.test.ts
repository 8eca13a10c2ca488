/**
 * What only Fastify has: `@fastify/cookie` present (before or after sessionkit) or absent, the
 * reply's own headers merged with sessionkit's, the decoration, and the set-up errors.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import request from 'supertest';
import { ConfigError, UsageError } from '../../lib/index.js';
import { fastifyAuth, requireAuth } from '../../lib/fastify.js';
import { fastifyApp, type FastifySetup } from '../helpers/apps.js';
import { Jar, PASSWORD, setCookies, startApp, startDevIdp, type DevIdp } from '../helpers/harness.js';

const TTL = 300;

/** GET `path` from `app` over real HTTP (light-my-request's inject needs require(esm), which jest lacks). */
async function get(app: FastifyInstance, path: string) {
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return request(origin).get(path).redirects(0);
}
const withCookie = (app: any) => void app.register(cookie);
/** A route of the app's own that sets a cookie the app's way, and reads the ones it got. */
const prefRoute = (app: any) =>
  void app.after(() =>
    app.get('/pref', { preHandler: requireAuth() }, async (request: any, reply: any) => {
      if (reply.setCookie) reply.setCookie('pref', 'dark', { path: '/' });
      else reply.header('set-cookie', 'pref=dark; Path=/');
      return { user: request.auth.user?.email, cookies: Object.keys(request.cookies ?? {}).sort() };
    }),
  );

describe('Fastify specifics', () => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startDevIdp({ accessTokenTTL: TTL });
  });
  afterAll(async () => {
    await idp.close();
  });

  const SETUPS: [string, FastifySetup][] = [
    ['@fastify/cookie registered before sessionkit', { before: withCookie, after: prefRoute }],
    ['@fastify/cookie registered after sessionkit', { after: (app) => (withCookie(app), prefRoute(app)) }],
    ['no @fastify/cookie', { after: prefRoute }],
  ];
  test.each(SETUPS)("%s: sign-in works, and a refresh's cookie and the app's own both reach the browser", async (_case, setup) => {
    // buffer > TTL: every request refreshes, so sessionkit sets its cookie on the app's response
    const app = await startApp(idp, (options) => fastifyApp(options, setup), { refresh: { buffer: TTL + 600 } });
    try {
      const jar = new Jar();
      expect((await app.signIn(jar)).status).toBe(302);
      const res = await app.get('/pref', jar);
      expect(res.status).toBe(200);
      expect(res.body.user).toBe('alice@example.com');
      const names = setCookies(res).map((c) => c.split('=')[0]);
      expect(names).toContain('pref');
      expect(names.some((n) => /^sessionkit(\.\d+)?$/.test(n))).toBe(true);
      expect(res.headers['cache-control']).toMatch(/no-store/);
      expect(res.headers.vary).toMatch(/Cookie/i);
      if (setup.before || setup.after !== prefRoute) expect(res.body.cookies).toEqual(expect.arrayContaining(['sessionkit']));
    } finally {
      await app.close();
    }
  });

  test('request.auth is a decoration of the whole app (fastify-plugin), null before the hook', async () => {
    const app = Fastify();
    await app.register(fastifyAuth, { issuer: idp.issuer, clientId: 'c', clientSecret: 's'.repeat(24), baseURL: 'http://127.0.0.1:1', cookie: { password: PASSWORD } });
    expect(app.hasRequestDecorator('auth')).toBe(true);
    app.get('/x', async (request) => ({ isAuthenticated: request.auth.isAuthenticated }));
    expect((await get(app, '/x')).body).toEqual({ isAuthenticated: false });
    await app.close();
  });

  test('an invalid option rejects register() with a ConfigError naming it', async () => {
    const app = Fastify();
    await expect(app.register(fastifyAuth, { issuer: idp.issuer, clientId: 'c', baseURL: 'http://127.0.0.1:1', cookie: { password: 'short' } })).rejects.toThrow(ConfigError);
    await expect(Fastify().register(fastifyAuth, { issuer: idp.issuer, clientId: 'c', baseURL: 'http://127.0.0.1:1', cookie: { password: 'short' } })).rejects.toThrow(/cookie\.password/);
  });

  test('requireAuth() without the plugin is a UsageError (500), never a pass', async () => {
    const app = Fastify();
    let seen: unknown;
    app.setErrorHandler((error, _request, reply) => void ((seen = error), reply.code(500).send({ code: (error as UsageError).code })));
    app.get('/guarded', { preHandler: requireAuth() }, async () => ({ secret: true }));
    const res = await get(app, '/guarded');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 'SESSIONKIT_USAGE' });
    expect(seen).toBeInstanceOf(UsageError);
    expect((seen as Error).message).toMatch(/fastifyAuth/);
    await app.close();
  });

  test('an onDenied that throws goes to Fastify\'s error handler', async () => {
    const app = Fastify();
    app.setErrorHandler((error, _request, reply) => void reply.code(503).send({ message: (error as Error).message }));
    await app.register(fastifyAuth, { issuer: idp.issuer, clientId: 'c', clientSecret: 's'.repeat(24), baseURL: 'http://127.0.0.1:1', cookie: { password: PASSWORD } });
    app.get('/guarded', { preHandler: requireAuth({ onDenied: () => { throw new Error('page broke'); } }) }, async () => ({ secret: true }));
    const res = await get(app, '/guarded');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ message: 'page broke' });
    await app.close();
  });
});
