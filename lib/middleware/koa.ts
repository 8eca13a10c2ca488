/**
 * The Koa adapter: translates `ctx` to the core's request view and sink, and the core's
 * replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { Context, Middleware, Next } from 'koa';
import { Core, type Outcome } from '../core/engine.js';
import { handle, handleCached } from '../handler.js';
import { nodeSink, type Reply, type RequestView } from '../core/http.js';
import { coreOf } from '../core/request-session.js';
import type { Auth, Denial, RequireAuthOptions, SessionKitOptions } from '../types.js';
import { checkStepUpOptions } from '../core/step-up.js';

declare module 'koa' {
  interface DefaultState {
    /** sessionkit's view of the session; set on every request that passed `koaAuth()`. */
    auth: Auth;
  }
}

function view(ctx: Context): RequestView {
  return {
    method: ctx.method,
    url: ctx.url,
    path: ctx.path,
    originalUrl: ctx.originalUrl ?? ctx.url,
    headers: ctx.req.headers,
    body: (ctx.request as { body?: unknown }).body,
    stream: ctx.req,
    raw: ctx,
    expose(previous, next) {
      if (ctx.state.session === previous) ctx.state.session = next;
    },
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
export function koaAuth(options?: SessionKitOptions<Context, Context>): Middleware {
  const core = new Core(options);
  return function sessionkit(ctx: Context, next: Next) {
    const request = view(ctx);
    const sink = nodeSink(ctx.res, ctx);
    const cached = handleCached(core, request, sink);
    if (cached) return finish(core, ctx, next, cached);
    return handle(core, request, sink).then((outcome) => finish(core, ctx, next, outcome));
  };
}

function finish(core: Core, ctx: Context, next: Next, outcome: Outcome): Promise<void> | void {
  if (outcome.denial) return refuse(outcome.denial, outcome.reply, core.cfg.hooks.onDenied, ctx);
  if (outcome.reply) return send(ctx, outcome.reply);
  ctx.state.auth = outcome.session.auth;
  if (ctx.state.session === undefined) ctx.state.session = outcome.session.record;
  return next();
}

/** Answer a refusal: the app's `onDenied` page when it has one (the default when it sends nothing), else the default. */
async function refuse(denial: Denial, reply: Reply, onDenied: RequireAuthOptions<Context, Context>['onDenied'], ctx: Context): Promise<void> {
  if (onDenied) {
    await onDenied({ denial, request: ctx, response: ctx });
    if (ctx.body !== undefined || ctx.headerSent) return;
  }
  send(ctx, reply);
}

/**
 * Guard downstream middleware: signed out → 302 to login for a browser page, 401 JSON
 * otherwise; signed in without the required `permissions` (all), `roles` (any) or
 * `organization` → 403 JSON; or the page of `onDenied` (here, else the middleware's).
 */
export function requireAuth(options: RequireAuthOptions<Context, Context> = {}): Middleware {
  checkStepUpOptions(options); // step-up (RFC 9470): lib/core/step-up.ts
  return function requireAuthGuard(ctx: Context, next: Next) {
    const core = coreOf(ctx.state.auth);
    if (!core) throw new Error('sessionkit: requireAuth() needs koaAuth() to run first');
    const request = view(ctx);
    const denial = core.deny(ctx.state.auth, request, options);
    if (!denial) return next();
    return refuse(denial, core.denialReply(denial, request), options.onDenied ?? core.cfg.hooks.onDenied, ctx);
  };
}
