/**
 * Options + `SESSIONKIT_*` environment variables → one validated, frozen configuration.
 * Every problem is reported here, at start-up, naming the option and its variable.
 *
 * @packageDocumentation
 */
import { ConfigError } from './errors.js';
import { MemoryCoordinator, type RefreshCoordinator } from './core/coordinator.js';
import type { SessionStore } from './core/store.js';
import type { ClaimNames, Logger } from './types/session.js';
import type { Hooks } from './types/hooks.js';
import type { SessionKitOptions } from './types/options.js';
import type { EndpointsOptions } from './types/option-groups.js';
import { checkProviderUrlWith, insecureProvider, isLoopbackHost, joinPath, normalizeTyp, number, parseUrl } from './config/checks.js';
import { resolveClientAuth, type ResolvedClientAuth } from './config/client-auth.js';
import { consoleLogger, DEFAULT_CLAIMS, DEFAULT_ROUTES, resolveRoutes, type ResolvedRoutes } from './config/defaults.js';
import { ENV_VARS, type Env } from './config/env.js';
import { resolveCookie, type ResolvedCookie } from './config/cookie.js';
import { Problems } from './config/problems.js';
import { jwtAccessTokenProfile } from './config/bearer-profile.js';
import { resolveDpop, resolvePar, type ResolvedDpop } from './config/sender.js';

export { DEFAULT_CLAIMS, type ResolvedRoutes } from './config/defaults.js';
export { isLoopbackHost, normalizeTyp } from './config/checks.js';
export type { ResolvedClientAuth } from './config/client-auth.js';

/** The validated configuration the core runs on. */
export interface ResolvedConfig {
  issuer: string | undefined;
  endpoints: Readonly<EndpointsOptions> | undefined;
  clientId: string;
  clientSecret: string | undefined;
  /** How the client authenticates at the provider, and its key for `private_key_jwt`. */
  clientAuth: ResolvedClientAuth;
  baseURL: URL;
  redirectUri: string;
  scope: string;
  authorizationParams: Readonly<Record<string, string>>;
  cookie: Readonly<ResolvedCookie>;
  refreshBuffer: number;
  routes: Readonly<ResolvedRoutes>;
  postLogoutRedirect: string;
  signUpPaths: readonly string[];
  middlewareAuth: { enabled: boolean; unauthenticatedPaths: readonly string[] };
  claims: Readonly<ClaimNames>;
  organizationParam: string;
  coordinator: RefreshCoordinator;
  store: SessionStore | undefined;
  session: { idleTimeout: number; absoluteTimeout: number; rolling: boolean };
  /** `typ`: the expected access-token `typ`, lower-cased without `application/`; null = not checked. */
  /** `profile`: `bearer.requireJwtAccessTokenType` (RFC 9068 in full, lib/config/bearer-profile.ts). */
  bearer: { audience: string[]; issuer: string | undefined; typ: string | null; profile: boolean } | undefined;
  httpTimeout: number;
  logger: Logger;
  debug: boolean;
  hooks: Readonly<Hooks<any, any>>;
  /** `pushedAuthorizationRequests`: push every authorization request (PAR is also used when the provider requires it). */
  par: boolean;
  /** `dpop`: DPoP-bound tokens; undefined when off (see lib/config/sender.ts). */
  dpop: ResolvedDpop | undefined;
}

/**
 * Validate options (falling back to `SESSIONKIT_*` variables) into a frozen {@link ResolvedConfig}.
 *
 * @throws {ConfigError} naming the option (and its variable) that is missing or invalid; when
 *   several are, one error lists them all (`problems`).
 */
export function resolveConfig(options: SessionKitOptions = {}, env: Env = process.env): ResolvedConfig {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('options', undefined, 'must be an object');
  }
  const problems = new Problems(env);
  const attempt = problems.attempt.bind(problems);
  const pick = problems.pick.bind(problems);

  // --- provider
  const issuer = pick(options.issuer, 'issuer');
  const endpoints = options.endpoints;
  const insecure = insecureProvider(options, env);
  const checkProviderUrl = (value: string, option: string, envVar: string | undefined) => checkProviderUrlWith(value, option, envVar, insecure);
  attempt(() => {
    if (!issuer && !endpoints) {
      throw new ConfigError('issuer', ENV_VARS.issuer, 'is required (or give `endpoints` for a provider without discovery)');
    }
    if (issuer) checkProviderUrl(issuer, 'issuer', ENV_VARS.issuer);
  }, undefined);
  if (endpoints) {
    attempt(() => {
      if (typeof endpoints !== 'object') throw new ConfigError('endpoints', undefined, 'must be an object');
      for (const key of ['authorization', 'token'] as const) {
        if (!endpoints[key]) throw new ConfigError(`endpoints.${key}`, undefined, 'is required when `endpoints` is given');
      }
      for (const key of ['authorization', 'token', 'revocation', 'userinfo', 'endSession', 'jwks', 'issuer'] as const) {
        const v = endpoints[key];
        if (v !== undefined) checkProviderUrl(v, `endpoints.${key}`, undefined);
      }
    }, undefined);
  }
  const clientId = pick(options.clientId, 'clientId') ?? '';
  if (!clientId) problems.push(new ConfigError('clientId', ENV_VARS.clientId, 'is required'));
  const clientSecret = pick(options.clientSecret, 'clientSecret');
  const clientAuth = attempt<ResolvedClientAuth>(() => resolveClientAuth(options, env, clientSecret), { method: 'none' });

  // --- app origin
  const baseURL = attempt(() => {
    const baseRaw = pick(options.baseURL, 'baseURL');
    if (!baseRaw) throw new ConfigError('baseURL', ENV_VARS.baseURL, 'is required (the public origin of the app, e.g. https://app.example.com)');
    const url = parseUrl(baseRaw, 'baseURL', ENV_VARS.baseURL);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      throw new ConfigError('baseURL', ENV_VARS.baseURL, `must be https:// (http:// only for localhost, 127.0.0.1, ::1), got ${url.origin}`);
    }
    if (url.search || url.hash) throw new ConfigError('baseURL', ENV_VARS.baseURL, 'must not have a query or fragment');
    return url;
  }, new URL('https://base-url.invalid'));

  // --- routes
  const routes = attempt(() => resolveRoutes(options.routes), Object.freeze({ ...DEFAULT_ROUTES }));
  const redirectUri = attempt(() => {
    const uri = options.redirectUri ?? (routes.callback ? joinPath(baseURL, routes.callback) : undefined);
    if (!uri) throw new ConfigError('redirectUri', undefined, 'is required when `routes.callback` is false');
    parseUrl(uri, 'redirectUri', undefined);
    return uri;
  }, '');

  // --- cookie
  const cookie = resolveCookie(options.cookie ?? {}, env, baseURL, problems);

  // --- the rest
  const scope = options.scope ?? 'openid profile email offline_access';
  if (typeof scope !== 'string' || !scope.split(' ').includes('openid')) {
    problems.push(new ConfigError('scope', undefined, 'must be a space-separated string that includes "openid"'));
  }
  const refreshBuffer = attempt(() => number(options.refresh?.buffer, 'refresh.buffer', undefined, 60, 0), 60);
  const httpTimeout = attempt(() => number(options.httpTimeout, 'httpTimeout', undefined, 5000, 1), 5000);
  const postLogoutRedirect = options.postLogoutRedirect ?? joinPath(baseURL, '/');
  attempt(() => parseUrl(postLogoutRedirect, 'postLogoutRedirect', undefined), undefined);
  const organizationParam = options.organizationParam ?? 'organization_id';
  const claims = Object.freeze({ ...DEFAULT_CLAIMS, ...(options.claims ?? {}) });
  for (const [k, v] of Object.entries(claims)) {
    if (typeof v !== 'string' || !v) problems.push(new ConfigError(`claims.${k}`, undefined, 'must be a claim name'));
  }
  const debug = options.debug ?? false;
  const logger = options.logger ?? consoleLogger(debug);
  if (typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    problems.push(new ConfigError('logger', undefined, 'must have warn() and error() methods'));
  }
  const coordinator = options.coordinator ?? options.store?.coordinator ?? new MemoryCoordinator();
  const missing = (['coordinate', 'endSessions', 'endedAt', 'remember'] as const).find((method) => typeof coordinator[method] !== 'function');
  if (missing) problems.push(new ConfigError('coordinator', undefined, `must implement ${missing}() (use MemoryCoordinator, redisCoordinator() or leave it out)`));
  const store = options.store;
  if (store !== undefined) {
    const absent = (['get', 'set', 'destroy'] as const).find((method) => typeof store?.[method] !== 'function');
    if (absent) problems.push(new ConfigError('store', undefined, `must implement ${absent}() (use memoryStore(), redisStore() or leave it out)`));
  }
  for (const hook of ['onSignIn', 'onSignInError', 'onSignOut', 'onRefreshSuccess', 'onRefreshError', 'onDenied'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') problems.push(new ConfigError(hook, undefined, 'must be a function'));
  }
  const sessionIn = options.session ?? {};
  const session = {
    idleTimeout: attempt(() => number(sessionIn.idleTimeout, 'session.idleTimeout', undefined, 0, 0), 0),
    absoluteTimeout: attempt(() => number(sessionIn.absoluteTimeout, 'session.absoluteTimeout', undefined, 0, 0), 0),
    rolling: sessionIn.rolling ?? true,
  };
  const bearer = attempt((): ResolvedConfig['bearer'] => {
    if (!options.bearer) return undefined;
    const audience = Array.isArray(options.bearer.audience) ? options.bearer.audience : [options.bearer.audience];
    if (!audience.length || audience.some((a) => typeof a !== 'string' || !a)) {
      throw new ConfigError('bearer.audience', undefined, 'is required: the audience your API expects in bearer tokens');
    }
    const typIn = options.bearer.typ ?? 'at+jwt';
    if (typIn !== false && (typeof typIn !== 'string' || !/^[\w.+/-]+$/.test(typIn))) {
      throw new ConfigError('bearer.typ', undefined, `must be a JOSE typ such as "at+jwt", or false to accept untyped tokens, got ${JSON.stringify(typIn)}`);
    }
    const profile = jwtAccessTokenProfile(options.bearer, typIn);
    return { audience, issuer: options.bearer.issuer, typ: typIn === false ? null : normalizeTyp(typIn), profile };
  }, undefined);
  const par = attempt(() => resolvePar(options, env), false);
  const dpop = attempt(() => resolveDpop(options, env), undefined);
  const middlewareAuth = {
    enabled: options.middlewareAuth?.enabled ?? false,
    unauthenticatedPaths: Object.freeze([...(options.middlewareAuth?.unauthenticatedPaths ?? [])]),
  };
  problems.throwIfAny();
  const plain = [issuer, ...Object.values(endpoints ?? {})].filter((u): u is string => typeof u === 'string' && u.startsWith('http:') && !isLoopbackHost(new URL(u).hostname));
  if (plain.length) {
    logger.warn(
      { provider: new URL(plain[0]).origin },
      'sessionkit: INSECURE — talking to the provider over plain http:// (allowInsecureIssuer). Tokens and client credentials cross the network unencrypted; never do this outside development.',
    );
  }

  return Object.freeze({
    issuer,
    endpoints: endpoints ? Object.freeze({ ...endpoints }) : undefined,
    clientId,
    clientSecret,
    clientAuth,
    baseURL,
    redirectUri,
    scope,
    authorizationParams: Object.freeze({ ...(options.authorizationParams ?? {}) }),
    cookie,
    refreshBuffer,
    routes,
    postLogoutRedirect,
    signUpPaths: Object.freeze([...(options.signUpPaths ?? [])]),
    middlewareAuth,
    claims,
    organizationParam,
    coordinator,
    store,
    session,
    bearer,
    httpTimeout,
    logger,
    debug,
    hooks: Object.freeze({
      onSignIn: options.onSignIn,
      onSignInError: options.onSignInError,
      onSignOut: options.onSignOut,
      onRefreshSuccess: options.onRefreshSuccess,
      onRefreshError: options.onRefreshError,
      onDenied: options.onDenied,
    }),
    par,
    dpop,
  });
}

