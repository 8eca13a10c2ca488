/**
 * The apps under test, one factory per framework, with the same routes: every scenario test
 * runs against each.
 */
import express from 'express';
import Koa from 'koa';
import Fastify, { type FastifyReply } from 'fastify';
import http, { type RequestListener, type ServerResponse } from 'node:http';
import { authMiddleware, requireAuth, type SessionKitOptions } from '../../lib/index.js';
import { koaAuth, requireAuth as koaRequireAuth } from '../../lib/koa.js';
import { fastifyAuth, requireAuth as fastifyRequireAuth } from '../../lib/fastify.js';
import { nodeAuth, requireAuth as nodeRequireAuth, type NodeHandler } from '../../lib/node.js';

function view(auth: any) {
  const { refresh, switchOrganization, ...fields } = auth;
  return fields;
}

/** Express: sessionkit plus the routes the scenarios call. */
export function expressApp(options: SessionKitOptions<any>): RequestListener {
  const app = express();
  app.use(authMiddleware(options));
  app.get('/public', (req, res) => res.json({ isAuthenticated: req.auth.isAuthenticated, organizationId: req.auth.organizationId ?? null }));
  app.get('/me', requireAuth(), (req, res) => res.json(view(req.auth)));
  app.get('/page', requireAuth(), (req, res) => res.send(`<p>hello ${req.auth.user?.name}</p>`));
  app.get('/admin', requireAuth({ permissions: ['members:manage'] }), (_req, res) => res.json({ ok: true }));
  app.get('/admins', requireAuth({ roles: ['admin'] }), (_req, res) => res.json({ ok: true }));
  app.get('/org-only', requireAuth({ organization: true }), (_req, res) => res.json({ ok: true }));
  app.get('/record', (req, res) => res.json({ hasRecord: !!(req as any).session, keys: Object.keys((req as any).session ?? {}).sort() }));
  app.get('/custom-denied', requireAuth({ permissions: ['members:manage'], onDenied: ({ denial, response }) => void response.status(denial.status).send(`<p>route page: ${denial.reason}</p>`) }), (_req, res) => res.json({ ok: true }));
  app.post('/refresh-now', requireAuth(), async (req, res, next) => {
    try {
      const auth = await req.auth.refresh();
      res.json(view(auth));
    } catch (error) {
      next(error);
    }
  });
  return app as unknown as RequestListener;
}

/** Koa: sessionkit plus the same routes, routed by hand (no router dependency). */
export function koaApp(options: SessionKitOptions<any>): RequestListener {
  const app = new Koa();
  app.use(koaAuth(options));
  const routes: Record<string, Koa.Middleware[]> = {
    'GET /public': [async (ctx) => void (ctx.body = { isAuthenticated: ctx.state.auth.isAuthenticated, organizationId: ctx.state.auth.organizationId ?? null })],
    'GET /me': [koaRequireAuth(), async (ctx) => void (ctx.body = view(ctx.state.auth))],
    'GET /page': [koaRequireAuth(), async (ctx) => void (ctx.body = `<p>hello ${ctx.state.auth.user?.name}</p>`)],
    'GET /admin': [koaRequireAuth({ permissions: ['members:manage'] }), async (ctx) => void (ctx.body = { ok: true })],
    'GET /admins': [koaRequireAuth({ roles: ['admin'] }), async (ctx) => void (ctx.body = { ok: true })],
    'GET /org-only': [koaRequireAuth({ organization: true }), async (ctx) => void (ctx.body = { ok: true })],
    'GET /record': [async (ctx) => void (ctx.body = { hasRecord: !!ctx.state.session, keys: Object.keys(ctx.state.session ?? {}).sort() })],
    'GET /custom-denied': [
      koaRequireAuth({ permissions: ['members:manage'], onDenied: ({ denial, response }) => void ((response.status = denial.status), (response.body = `<p>route page: ${denial.reason}</p>`)) }),
      async (ctx) => void (ctx.body = { ok: true }),
    ],
    'POST /refresh-now': [koaRequireAuth(), async (ctx) => void (ctx.body = view(await ctx.state.auth.refresh()))],
  };
  app.use(async (ctx, next) => {
    const chain = routes[`${ctx.method} ${ctx.path}`];
    if (!chain) return next();
    await compose(chain)(ctx, next);
  });
  return app.callback();
}

function compose(chain: Koa.Middleware[]): Koa.Middleware {
  return (ctx, next) => {
    const run = (i: number): Promise<void> => Promise.resolve(i < chain.length ? chain[i](ctx, () => run(i + 1)) : next());
    return run(0);
  };
}

declare module 'fastify' {
  interface FastifyReply {
    /** Express's `res.json`, so that the scenarios' hooks answer the same way on Fastify. */
    json(body: unknown): FastifyReply;
  }
}

/** What a Fastify test app registers before and after sessionkit (other plugins, extra routes). */
export interface FastifySetup {
  before?(app: ReturnType<typeof Fastify>): void;
  after?(app: ReturnType<typeof Fastify>): void;
}

/**
 * Fastify: the plugin plus the same routes. The listener waits for `ready()` (the plugin is
 * registered asynchronously); a configuration error fails every request with 500.
 */
export function fastifyApp(options: SessionKitOptions<any>, setup: FastifySetup = {}): RequestListener {
  let route: RequestListener = () => {};
  const app = Fastify({ serverFactory: (handler) => ((route = handler), http.createServer()) });
  app.decorateReply('json', function json(this: FastifyReply, body: unknown) {
    return this.send(body);
  });
  setup.before?.(app);
  app.register(fastifyAuth, options);
  setup.after?.(app);
  app.after(() => {
    app.get('/public', async (req) => ({ isAuthenticated: req.auth.isAuthenticated, organizationId: req.auth.organizationId ?? null }));
    app.get('/me', { preHandler: fastifyRequireAuth() }, async (req) => view(req.auth));
    app.get('/page', { preHandler: fastifyRequireAuth() }, async (req, reply) => reply.type('text/html; charset=utf-8').send(`<p>hello ${req.auth.user?.name}</p>`));
    app.get('/admin', { preHandler: fastifyRequireAuth({ permissions: ['members:manage'] }) }, async () => ({ ok: true }));
    app.get('/admins', { preHandler: fastifyRequireAuth({ roles: ['admin'] }) }, async () => ({ ok: true }));
    app.get('/org-only', { preHandler: fastifyRequireAuth({ organization: true }) }, async () => ({ ok: true }));
    app.get('/record', async (req) => ({ hasRecord: !!(req as any).session, keys: Object.keys((req as any).session ?? {}).sort() }));
    const customDenied = fastifyRequireAuth({ permissions: ['members:manage'], onDenied: ({ denial, response }) => void response.status(denial.status).type('text/html; charset=utf-8').send(`<p>route page: ${denial.reason}</p>`) });
    app.get('/custom-denied', { preHandler: customDenied }, async () => ({ ok: true }));
    app.post('/refresh-now', { preHandler: fastifyRequireAuth() }, async (req) => view(await req.auth.refresh()));
  });
  const ready = new Promise<void>((resolve, reject) => void app.ready((error) => (error ? reject(error) : resolve())));
  ready.catch(() => {});
  return (req, res) => void ready.then(() => route(req, res), () => ((res.statusCode = 500), res.end()));
}

/** Express's response helpers on a plain `res`, so that the scenarios' hooks answer the same way on node:http. */
function expressLike(res: ServerResponse): void {
  const r = res as any;
  r.status = (code: number) => ((res.statusCode = code), r);
  r.type = (type: string) => (res.setHeader('Content-Type', type === 'html' ? 'text/html; charset=utf-8' : type), r);
  r.send = (body: string) => res.end(body);
  r.json = (body: unknown) => (res.setHeader('Content-Type', 'application/json; charset=utf-8'), res.end(JSON.stringify(body)));
}

/** Plain node:http: `nodeAuth()` without `next` (the promise), the routes dispatched by hand. */
export function nodeApp(options: SessionKitOptions<any>): RequestListener {
  const auth = nodeAuth(options);
  const json = (res: ServerResponse, body: unknown) => (res as any).json(body);
  const routes: Record<string, [NodeHandler | null, (req: any, res: ServerResponse) => unknown]> = {
    'GET /public': [null, (req, res) => json(res, { isAuthenticated: req.auth.isAuthenticated, organizationId: req.auth.organizationId ?? null })],
    'GET /me': [nodeRequireAuth(), (req, res) => json(res, view(req.auth))],
    'GET /page': [nodeRequireAuth(), (req, res) => (res.setHeader('Content-Type', 'text/html; charset=utf-8'), res.end(`<p>hello ${req.auth.user?.name}</p>`))],
    'GET /admin': [nodeRequireAuth({ permissions: ['members:manage'] }), (_req, res) => json(res, { ok: true })],
    'GET /admins': [nodeRequireAuth({ roles: ['admin'] }), (_req, res) => json(res, { ok: true })],
    'GET /org-only': [nodeRequireAuth({ organization: true }), (_req, res) => json(res, { ok: true })],
    'GET /record': [null, (req, res) => json(res, { hasRecord: !!req.session, keys: Object.keys(req.session ?? {}).sort() })],
    'GET /custom-denied': [
      nodeRequireAuth({ permissions: ['members:manage'], onDenied: ({ denial, response }) => void ((response.statusCode = denial.status), response.end(`<p>route page: ${denial.reason}</p>`)) }),
      (_req, res) => json(res, { ok: true }),
    ],
    'POST /refresh-now': [nodeRequireAuth(), async (req, res) => json(res, view(await req.auth.refresh()))],
  };
  return async (req, res) => {
    expressLike(res);
    try {
      if (!(await auth(req, res))) return;
      const route = routes[`${req.method} ${req.url!.split(/[?#]/)[0]}`];
      if (!route) return void ((res.statusCode = 404), res.end('Not Found'));
      if (route[0] && !(await route[0](req, res))) return;
      await route[1](req, res);
    } catch {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    }
  };
}
