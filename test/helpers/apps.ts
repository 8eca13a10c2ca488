/**
 * The apps under test, one factory per framework, with the same routes: every scenario test
 * runs against each.
 */
import express from 'express';
import Koa from 'koa';
import type { RequestListener } from 'node:http';
import { authMiddleware, requireAuth, type SessionKitOptions } from '../../lib/index.js';
import { koaAuth, requireAuth as koaRequireAuth } from '../../lib/koa.js';

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
