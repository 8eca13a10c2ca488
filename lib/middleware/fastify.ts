/**
 * The Fastify adapter: translates `request`/`reply` to the core's request view and sink, and the
 * core's replies back. It decides nothing.
 *
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { Core, type Outcome } from '../core/engine.js';
import { handle, handleCached } from '../handler.js';
import type { Reply, RequestView, ResponseSink } from '../core/http.js';
import { coreOf } from '../core/request-session.js';
import { ConfigError } from '../errors.js';
import { pathOf } from './path.js';
import type { Auth, Denial, RequireAuthOptions, SessionKitOptions } from '../types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** sessionkit's view of the session; set on every request that passed the `fastifyAuth` plugin. */
    auth: Auth;
  }
}

type WithSession = FastifyRequest & { session?: unknown };

function view(request: FastifyRequest): RequestView {
  return {
    method: request.method,
    url: request.url,
    path: pathOf(request.url),
    originalUrl: request.originalUrl ?? request.url,
    headers: request.headers,
    // onRequest runs before Fastify parses a body: the routes read the raw stream.
    stream: request.raw,
    raw: request,
    expose(previous, next) {
      if ((request as WithSession).session === previous) (request as WithSession).session = next;
    },
  };
}

/** Headers go through `reply.header()`, so that Fastify (and `@fastify/cookie`) merge them with the app's. */
class ReplySink implements ResponseSink {
  constructor(readonly raw: FastifyReply) {}
  append(name: string, value: string | string[]): void {
    const previous = this.raw.getHeader(name); // Fastify appends Set-Cookie itself, and replaces the others
    this.raw.header(name, previous === undefined || name.toLowerCase() === 'set-cookie' ? value : ([] as unknown[]).concat(previous, value).join(', '));
  }
  set(name: string, value: string): void {
    this.raw.header(name, value);
  }
  sent(): boolean {
    return this.raw.sent || this.raw.raw.headersSent;
  }
}

function send(reply: FastifyReply, answer: Reply): void {
  if (!answer.handled && !reply.sent) reply.code(answer.status).headers(answer.headers ?? {}).send(answer.body);
}

async function fastifyAuthPlugin(app: FastifyInstance, options: SessionKitOptions<FastifyRequest, FastifyReply>): Promise<void> {
  const core = new Core(options);
  app.decorateRequest('auth', null as unknown as Auth);
  app.addHook('onRequest', function sessionkit(request, reply, next) {
    const requestView = view(request);
    const sink = new ReplySink(reply);
    const cached = handleCached(core, requestView, sink);
    if (cached) return finish(core, request, reply, next, cached);
    handle(core, requestView, sink).then((outcome) => finish(core, request, reply, next, outcome), next);
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
 * answers the routes (`/login`, `/callback`, `/logout`, `/switch-org`, `/session`,
 * `/access-token`, `/backchannel-logout`) in an `onRequest` hook and sets `request.auth` (and
 * `request.session`, unless another plugin owns it) on every other request, refreshing the access
 * token before the handler when it is about to expire. Hooks receive Fastify's `request` and
 * `reply`. Needs no `@fastify/cookie` (sessionkit reads its own cookies) and works beside it.
 *
 * @example `await app.register(fastifyAuth, { issuer, clientId, baseURL, cookie: { password } })`
 * @throws {ConfigError} from `register()` / `ready()` (the plugin is async), naming the option, when the configuration is invalid.
 */
export const fastifyAuth = fp(fastifyAuthPlugin, { fastify: '5.x', name: 'sessionkit' });

/**
 * Guard a route, as its `preHandler`: signed out → 302 to login for a browser page, 401 JSON
 * otherwise; signed in without the required `permissions` (all), `roles` (any) or `organization`
 * → 403 JSON; or the page of `onDenied` (here, else the plugin's), which must answer with
 * `reply.send()` (nothing is sent after it; a throw goes to Fastify's error handler).
 *
 * @throws {ConfigError} (as the request's error) when `fastifyAuth` was not registered before the route.
 */
export function requireAuth(options: RequireAuthOptions<FastifyRequest, FastifyReply> = {}): preHandlerHookHandler {
  return function requireAuthGuard(request, reply, next) {
    const core = coreOf(request.auth);
    if (!core) return next(new ConfigError('fastifyAuth', undefined, 'must be registered (await app.register(fastifyAuth, options)) before a route that uses requireAuth()'));
    const requestView = view(request);
    const denial = core.deny(request.auth, requestView, options);
    if (!denial) return next();
    refuse(denial, core.denialReply(denial, requestView), options.onDenied ?? core.cfg.hooks.onDenied, request, reply);
  };
}
