/**
 * The Fastify adapter: translates `request`/`reply` to the core's request view and sink, and the
 * core's replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { Core, coreOf, type Outcome } from '../core/engine.js';
import { handle, handleCached } from '../handler.js';
import type { Reply, RequestView, ResponseSink } from '../core/http.js';
import { checkStepUpOptions } from '../core/step-up.js';
import { UsageError } from '../errors.js';
import { pathOf } from './path.js';
import type { Auth } from '../types/session.js';
import type { Denial, RequireAuthOptions } from '../types/hooks.js';
import type { SessionKitOptions } from '../types/options.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** sessionkit's view of the session; set on every request that passed the `fastifyAuth` plugin. */
    auth: Auth;
  }
}

type WithSession = FastifyRequest & { session?: unknown };

/**
 * One Fastify request as the core sees it, and its reply's sink: one object, fields read when
 * asked. Headers go through `reply.header()`, so that Fastify (and `@fastify/cookie`) merge them
 * with the app's; `onRequest` runs before any body is parsed, so the routes read the raw stream.
 */
class FastifyExchange implements RequestView, ResponseSink {
  constructor(readonly raw: FastifyRequest, readonly response: FastifyReply) {}
  get method(): string { return this.raw.method; }
  get url(): string { return this.raw.url; }
  get path(): string { return pathOf(this.raw.url); }
  get originalUrl(): string { return this.raw.originalUrl ?? this.raw.url; }
  get headers(): FastifyRequest['headers'] { return this.raw.headers; }
  get stream(): FastifyRequest['raw'] { return this.raw.raw; }
  expose(previous: unknown, next: unknown): void {
    if ((this.raw as WithSession).session === previous) (this.raw as WithSession).session = next;
  }
  append(name: string, value: string | string[]): void {
    const previous = this.response.getHeader(name); // Fastify appends Set-Cookie itself, and replaces the others
    this.response.header(name, previous === undefined || name.toLowerCase() === 'set-cookie' ? value : ([] as unknown[]).concat(previous, value).join(', '));
  }
  set(name: string, value: string): void { this.response.header(name, value); }
  sent(): boolean { return this.response.sent || this.response.raw.headersSent; }
}

const exchangeOf = (request: FastifyRequest, reply: FastifyReply) => new FastifyExchange(request, reply);

function send(reply: FastifyReply, answer: Reply): void {
  if (!answer.handled && !reply.sent) reply.code(answer.status).headers(answer.headers ?? {}).send(answer.body);
}

async function fastifyAuthPlugin(app: FastifyInstance, options: SessionKitOptions<FastifyRequest, FastifyReply>): Promise<void> {
  const core = new Core(options);
  app.decorateRequest('auth', null as unknown as Auth);
  app.addHook('onRequest', function sessionkit(request, reply, next) {
    const exchange = new FastifyExchange(request, reply);
    const cached = handleCached(core, exchange, exchange);
    if (cached) return finish(core, request, reply, next, cached);
    handle(core, exchange, exchange).then((outcome) => finish(core, request, reply, next, outcome)).catch(next);
  });
}

function finish(core: Core, request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction, outcome: Outcome): void {
  if (outcome.denial) return refuse(outcome.denial, outcome.reply, core.cfg.hooks.onDenied, request, reply);
  if (outcome.reply) return send(reply, outcome.reply);
  request.auth = outcome.session.auth;
  if ((request as WithSession).session === undefined) (request as WithSession).session = outcome.session.record;
  next();
}

/** Answer a refusal: the app's `onDenied` answers it when there is one (nothing is sent after it; a throw is Fastify's error), else the default. */
function refuse(denial: Denial, answer: Reply, onDenied: RequireAuthOptions<FastifyRequest, FastifyReply>['onDenied'], request: FastifyRequest, reply: FastifyReply): void {
  if (!onDenied) return send(reply, answer);
  Promise.resolve()
    .then(() => onDenied({ denial, request, response: reply }))
    .catch((error: unknown) => void reply.send(error));
}

/**
 * sessionkit for Fastify 5, a plugin (wrapped with `fastify-plugin`, so it covers the whole app):
 * answers sessionkit's routes in an `onRequest` hook and sets `request.auth` (and
 * `request.session`, unless another plugin owns it) on every other request, refreshing the access
 * token before the handler when it is about to expire. Hooks receive Fastify's `request` and
 * `reply`. Needs no `@fastify/cookie` (sessionkit reads its own cookies) and works beside it.
 *
 * @example `await app.register(fastifyAuth, { issuer, clientId, baseURL, cookie: { password } })`
 * @throws {ConfigError} from `register()` / `ready()` (the plugin is async), naming the option, when the configuration is invalid.
 */
export const fastifyAuth = fp(fastifyAuthPlugin, { fastify: '5.x', name: 'sessionkit' });

/**
 * Guard a route, as its `preHandler`: as `requireAuth()` of `sessionkit` (302 / 401 / 403, step-up
 * with `acr` / `maxAge`), or the page of `onDenied` (here, else the plugin's), which must answer
 * with `reply.send()` (nothing is sent after it; a throw goes to Fastify's error handler).
 *
 * @throws {UsageError} (as the request's error) when `fastifyAuth` was not registered before the route.
 */
export function requireAuth(options: RequireAuthOptions<FastifyRequest, FastifyReply> = {}): preHandlerHookHandler {
  checkStepUpOptions(options);
  return function requireAuthGuard(request, reply, next) {
    const core = coreOf(request.auth);
    if (!core) return next(new UsageError('sessionkit: requireAuth() needs the fastifyAuth plugin registered first (await app.register(fastifyAuth, options))'));
    const refused = core.refusal(request.auth, options, request, reply, exchangeOf);
    if (!refused) return next();
    refuse(refused.denial, refused.reply, refused.onDenied, request, reply);
  };
}
