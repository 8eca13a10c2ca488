/** Express and Koa apps with step-up routes (RFC 9470), the same routes on both. */
import express from 'express';
import Koa from 'koa';
import type { RequestListener } from 'node:http';
import { ACR_MFA } from '../../examples/dev-idp/index.js';
import { authMiddleware, requireAuth, type RequireAuthOptions, type SessionKitOptions } from '../../lib/index.js';
import { koaAuth, requireAuth as koaRequireAuth } from '../../lib/koa.js';
import type { AppFactory } from '../helpers/harness.js';

/** The guarded routes: path → requirement. */
export const STEP_UP_ROUTES: Record<string, RequireAuthOptions> = {
  '/mfa': { acr: [ACR_MFA] },
  '/recent': { maxAge: 60 },
  '/admin-area': { acr: [ACR_MFA], maxAge: 300, permissions: ['members:manage'] },
};

function view(auth: any) {
  return { user: auth.user?.id ?? null, organizationId: auth.organizationId ?? null };
}

/** Express with the step-up routes and `/public`. */
export function stepUpExpress(options: SessionKitOptions<any>): RequestListener {
  const app = express();
  app.use(authMiddleware(options));
  app.get('/public', (req, res) => res.json({ isAuthenticated: req.auth.isAuthenticated, organizationId: req.auth.organizationId ?? null }));
  for (const [path, requirement] of Object.entries(STEP_UP_ROUTES)) app.get(path, requireAuth(requirement), (req, res) => res.json(view(req.auth)));
  return app as unknown as RequestListener;
}

/** Koa with the same routes. */
export function stepUpKoa(options: SessionKitOptions<any>): RequestListener {
  const app = new Koa();
  app.use(koaAuth(options));
  const guards = new Map(Object.entries(STEP_UP_ROUTES).map(([path, requirement]) => [path, koaRequireAuth(requirement)]));
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET') return next();
    if (ctx.path === '/public') return void (ctx.body = { isAuthenticated: ctx.state.auth.isAuthenticated, organizationId: ctx.state.auth.organizationId ?? null });
    const guard = guards.get(ctx.path);
    if (!guard) return next();
    await guard(ctx, async () => void (ctx.body = view(ctx.state.auth)));
  });
  return app.callback();
}

/** Both frameworks, as `describe.each` takes them. */
export const STEP_UP_FRAMEWORKS: [string, AppFactory][] = [
  ['express', stepUpExpress],
  ['koa', stepUpKoa],
];
