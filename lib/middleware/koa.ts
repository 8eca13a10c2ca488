/**
 * The Koa adapter: translates `ctx` to the core's request view and sink, and the core's
 * replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { Context, Middleware, Next } from 'koa';
import { Core, coreOf, type Outcome } from '../core/engine.js';
import { handle, handleCached } from '../handler.js';
import { NodeSink, type Reply, type RequestView } from '../core/http.js';
import { UsageError } from '../errors.js';
import { checkStepUpOptions } from '../core/step-up.js';
import type { Auth } from '../types/session.js';
import type { Denial, RequireAuthOptions } from '../types/hooks.js';
import type { SessionKitOptions } from '../types/options.js';

declare module 'koa' {
  interface DefaultState {
    /** sessionkit's view of the session; set on every request that passed `koaAuth()`. */
    auth: Auth;
  }
}

/** One Koa request as the core sees it, and its response's sink: one object, fields read when asked. */
class KoaExchange extends NodeSink implements RequestView {
  readonly raw: Context;

  constructor(ctx: Context) {
    super(ctx.res, ctx);
    this.raw = ctx;
  }
  get method(): string { return this.raw.method; }
  get url(): string { return this.raw.url; }
  get path(): string { return this.raw.path; }
  get originalUrl(): string { return this.raw.originalUrl ?? this.raw.url; }
  get headers(): Context['req']['headers'] { return this.raw.req.headers; }
  get body(): unknown { return (this.raw.request as { body?: unknown }).body; }
  get stream(): Context['req'] { return this.raw.req; }
  expose(previous: unknown, next: unknown): void {
    if (this.raw.state.session === previous) this.raw.state.session = next;
  }
}

const exchangeOf = (ctx: Context) => new KoaExchange(ctx);

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
    const exchange = new KoaExchange(ctx);
    const cached = handleCached(core, exchange, exchange);
    if (cached) return finish(core, ctx, next, cached);
    return handle(core, exchange, exchange).then((outcome) => finish(core, ctx, next, outcome));
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
    if (!core) throw new UsageError('sessionkit: requireAuth() needs koaAuth() to run first');
    const refused = core.refusal(ctx.state.auth, options, ctx, undefined, exchangeOf);
    if (!refused) return next();
    return refuse(refused.denial, refused.reply, refused.onDenied, ctx);
  };
}
