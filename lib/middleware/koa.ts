/**
 * The Koa adapter: translates `ctx` to the core's request view and sink, and the core's
 * replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { Context, Middleware, Next } from 'koa';
import { Core, type RequireAuthOptions } from '../core/engine.js';
import type { Reply, RequestView, ResponseSink } from '../core/http.js';
import type { Auth, SessionKitOptions, SessionRecord } from '../types.js';

declare module 'koa' {
  interface DefaultState {
    /** sessionkit's view of the session; set on every request that passed `koaAuth()`. */
    auth: Auth;
  }
}

const CORE = Symbol.for('sessionkit.core');

function view(ctx: Context): RequestView {
  const body = (ctx.request as { body?: unknown }).body;
  return { method: ctx.method, url: ctx.url, originalUrl: ctx.originalUrl ?? ctx.url, headers: ctx.req.headers, body, stream: ctx.req, raw: ctx };
}

function sink(ctx: Context): ResponseSink {
  return {
    append: (name, value) => ctx.append(name, value),
    set: (name, value) => ctx.set(name, value),
    raw: ctx,
    sent: () => ctx.headerSent,
  };
}

function send(ctx: Context, reply: Reply): void {
  if (reply.handled || ctx.headerSent) return;
  ctx.status = reply.status;
  if (reply.headers) ctx.set(reply.headers);
  ctx.body = reply.body ?? '';
}

/**
 * sessionkit for Koa: mounts the routes (`/login`, `/callback`, `/logout`, `/switch-org`,
 * `/session`, `/access-token`) and sets `ctx.state.auth` (and `ctx.state.session`) on every
 * other request, refreshing the access token before downstream middleware when it is about to
 * expire. Hooks receive `ctx` as `request`.
 *
 * @param options the same options as `authMiddleware()`; each also reads its `SESSIONKIT_*` variable.
 * @throws {ConfigError} at once, naming the option, when the configuration is invalid.
 */
export function koaAuth(options?: SessionKitOptions<Context>): Middleware {
  const core = new Core(options);
  return async function sessionkit(ctx: Context, next: Next) {
    const outcome = await core.handle(view(ctx), sink(ctx));
    if (outcome.reply) return send(ctx, outcome.reply);
    const session = outcome.session;
    Object.defineProperty(ctx.state, CORE, { value: core, configurable: true });
    ctx.state.auth = session.auth;
    if (ctx.state.session === undefined) {
      Object.defineProperty(ctx.state, 'session', { configurable: true, enumerable: true, get: (): SessionRecord | null => session.record });
    }
    await next();
  };
}

/**
 * Guard downstream middleware: signed out → 302 to login for a browser page, 401 JSON
 * otherwise; signed in without the required `permissions` (all), `roles` (any) or
 * `organization` → 403 JSON.
 */
export function requireAuth(options: RequireAuthOptions = {}): Middleware {
  return async function requireAuthGuard(ctx: Context, next: Next) {
    const core = (ctx.state as unknown as Record<symbol, Core | undefined>)[CORE];
    if (!core) throw new Error('sessionkit: requireAuth() needs koaAuth() to run first');
    const denied = core.guard(ctx.state.auth, view(ctx), options);
    if (denied) return send(ctx, denied);
    await next();
  };
}
