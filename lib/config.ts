/**
 * Options + `SESSIONKIT_*` environment variables → one validated, frozen configuration.
 * Every problem is reported here, at start-up, naming the option and its variable.
 *
 * @packageDocumentation
 */
import { jwtAccessTokenProfile } from './core/bearer-profile.js';
import { createPrivateKey, type JsonWebKey as NodeJwk, type KeyObject } from 'node:crypto';
import { ConfigError } from './errors.js';
import { MemoryCoordinator, type RefreshCoordinator } from './core/coordinator.js';
import type { SessionStore } from './core/store.js';
import type { ClaimNames, ClientAuthMethod, ClientPrivateJwk, EndpointsOptions, Hooks, Logger, SameSite, SessionKitOptions } from './types.js';

/** Route paths after defaults; `null` = not mounted. */
export interface ResolvedRoutes {
  login: string | null;
  callback: string | null;
  logout: string | null;
  switchOrg: string | null;
  backchannelLogout: string | null;
  session: string | null;
  accessToken: string | null;
}

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
  cookie: {
    name: string;
    passwords: Readonly<Record<string, string>>;
    maxAge: number;
    domain: string | undefined;
    path: string;
    sameSite: SameSite;
    secure: boolean;
  };
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
  bearer: { audience: string[]; issuer: string | undefined; typ: string | null; profile: boolean } | undefined;
  httpTimeout: number;
  logger: Logger;
  debug: boolean;
  hooks: Readonly<Hooks<any, any>>;
}

/** The client-authentication method after defaults and validation. */
export interface ResolvedClientAuth {
  method: ClientAuthMethod;
  /** For `private_key_jwt`: the private key as a JWK, the JWS algorithm it signs with, its `kid`. */
  privateKey?: { jwk: Readonly<NodeJwk>; alg: string; kid: string | undefined };
}

const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];

/** Default claim names of the `Auth` view. */
export const DEFAULT_CLAIMS: Readonly<ClaimNames> = Object.freeze({
  sessionId: 'sid',
  organizationId: 'org_id',
  role: 'role',
  roles: 'roles',
  permissions: 'permissions',
  entitlements: 'entitlements',
  featureFlags: 'feature_flags',
  impersonator: 'act',
});

const DEFAULT_ROUTES: ResolvedRoutes = {
  login: '/login',
  callback: '/callback',
  logout: '/logout',
  switchOrg: '/switch-org',
  backchannelLogout: '/backchannel-logout',
  session: '/session',
  accessToken: '/access-token',
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for hosts that may use plain `http://` (localhost, 127.0.0.1, ::1). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

/** The default logger: warnings and errors to stderr as one JSON line, debug only when asked. */
function consoleLogger(debug: boolean): Logger {
  const line = (level: string, obj: object, msg?: string) =>
    console.error(JSON.stringify({ level, name: 'sessionkit', msg, ...obj }));
  return {
    debug: debug ? (obj, msg) => line('debug', obj, msg) : undefined,
    info: (obj, msg) => line('info', obj, msg),
    warn: (obj, msg) => line('warn', obj, msg),
    error: (obj, msg) => line('error', obj, msg),
  };
}

type Env = Record<string, string | undefined>;

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
  const pick = (value: string | undefined, envVar: string): string | undefined => {
    const v = value ?? env[envVar];
    return v === undefined || v === '' ? undefined : v;
  };
  // Every problem is collected, so that one start-up names them all (not one per restart).
  const problems: ConfigError[] = [];
  const attempt = <T>(check: () => T, fallback: T): T => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
      return fallback;
    }
  };
  const cookieIn = options.cookie ?? {};

  // --- provider
  const issuer = pick(options.issuer, 'SESSIONKIT_ISSUER');
  const endpoints = options.endpoints;
  const insecure = insecureProvider(options, env);
  const checkProviderUrl = (value: string, option: string, envVar: string | undefined) => checkProviderUrlWith(value, option, envVar, insecure);
  attempt(() => {
    if (!issuer && !endpoints) {
      throw new ConfigError('issuer', 'SESSIONKIT_ISSUER', 'is required (or give `endpoints` for a provider without discovery)');
    }
    if (issuer) checkProviderUrl(issuer, 'issuer', 'SESSIONKIT_ISSUER');
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
  const clientId = pick(options.clientId, 'SESSIONKIT_CLIENT_ID') ?? '';
  if (!clientId) problems.push(new ConfigError('clientId', 'SESSIONKIT_CLIENT_ID', 'is required'));
  const clientSecret = pick(options.clientSecret, 'SESSIONKIT_CLIENT_SECRET');
  const clientAuth = attempt<ResolvedClientAuth>(() => resolveClientAuth(options, env, clientSecret), { method: 'none' });

  // --- app origin
  const baseURL = attempt(() => {
    const baseRaw = pick(options.baseURL, 'SESSIONKIT_BASE_URL');
    if (!baseRaw) throw new ConfigError('baseURL', 'SESSIONKIT_BASE_URL', 'is required (the public origin of the app, e.g. https://app.example.com)');
    const url = parseUrl(baseRaw, 'baseURL', 'SESSIONKIT_BASE_URL');
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      throw new ConfigError('baseURL', 'SESSIONKIT_BASE_URL', `must be https:// (http:// only for localhost, 127.0.0.1, ::1), got ${url.origin}`);
    }
    if (url.search || url.hash) throw new ConfigError('baseURL', 'SESSIONKIT_BASE_URL', 'must not have a query or fragment');
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
  const passwords = attempt(() => resolvePasswords(cookieIn.password ?? env.SESSIONKIT_COOKIE_PASSWORD), Object.freeze({}));
  const name = attempt(() => {
    const n = pick(cookieIn.name, 'SESSIONKIT_COOKIE_NAME') ?? 'sessionkit';
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(n)) {
      throw new ConfigError('cookie.name', 'SESSIONKIT_COOKIE_NAME', `must be a valid cookie name (letters, digits, - _ .), got ${JSON.stringify(n)}`);
    }
    return n;
  }, 'sessionkit');
  const maxAge = attempt(() => number(cookieIn.maxAge ?? env.SESSIONKIT_COOKIE_MAX_AGE, 'cookie.maxAge', 'SESSIONKIT_COOKIE_MAX_AGE', 14 * 24 * 3600, 60), 14 * 24 * 3600);
  const domain = attempt(() => {
    const d = pick(cookieIn.domain, 'SESSIONKIT_COOKIE_DOMAIN');
    if (d !== undefined && !/^\.?[A-Za-z0-9.-]+$/.test(d)) throw new ConfigError('cookie.domain', 'SESSIONKIT_COOKIE_DOMAIN', `is not a domain name: ${JSON.stringify(d)}`);
    return d;
  }, undefined);
  const sameSiteRaw = attempt((): SameSite => {
    const v = (pick(cookieIn.sameSite, 'SESSIONKIT_COOKIE_SAMESITE') ?? 'lax').toLowerCase();
    if (v !== 'lax' && v !== 'strict' && v !== 'none') {
      throw new ConfigError('cookie.sameSite', 'SESSIONKIT_COOKIE_SAMESITE', `must be "lax", "strict" or "none", got ${JSON.stringify(v)}`);
    }
    return v;
  }, 'lax');
  const secure = cookieIn.secure ?? baseURL.protocol === 'https:';
  if (sameSiteRaw === 'none' && !secure) {
    problems.push(new ConfigError('cookie.sameSite', 'SESSIONKIT_COOKIE_SAMESITE', '"none" needs a secure cookie (an https:// baseURL or cookie.secure: true)'));
  }
  const cookiePath = cookieIn.path ?? '/';
  if (!cookiePath.startsWith('/')) problems.push(new ConfigError('cookie.path', undefined, 'must start with "/"'));
  attempt(() => checkCookiePrefix(name, { secure, domain, path: cookiePath }), undefined);

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
    // bearer.requireJwtAccessTokenType (RFC 9068 in full): see lib/core/bearer-profile.ts.
    const profile = jwtAccessTokenProfile(options.bearer, typIn);
    return { audience, issuer: options.bearer.issuer, typ: typIn === false ? null : normalizeTyp(typIn), profile };
  }, undefined);
  const middlewareAuth = {
    enabled: options.middlewareAuth?.enabled ?? false,
    unauthenticatedPaths: Object.freeze([...(options.middlewareAuth?.unauthenticatedPaths ?? [])]),
  };
  if (problems.length) throw problems.length === 1 ? problems[0] : ConfigError.all(problems);
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
    cookie: Object.freeze({ name, passwords, maxAge, domain, path: cookiePath, sameSite: sameSiteRaw, secure }),
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
  });
}

/**
 * `clientAuthMethod` and `clientPrivateKey` (and their variables), checked together with the
 * secret: every misconfiguration is reported here, naming the option. The key is validated now,
 * synchronously (node:crypto); it becomes a signing key on first use.
 */
function resolveClientAuth(options: SessionKitOptions, env: Env, clientSecret: string | undefined): ResolvedClientAuth {
  const methodIn = options.clientAuthMethod ?? (env.SESSIONKIT_CLIENT_AUTH_METHOD || undefined);
  const keyIn: unknown = options.clientPrivateKey ?? (env.SESSIONKIT_CLIENT_PRIVATE_KEY || undefined);
  const M = ['clientAuthMethod', 'SESSIONKIT_CLIENT_AUTH_METHOD'] as const;
  const K = ['clientPrivateKey', 'SESSIONKIT_CLIENT_PRIVATE_KEY'] as const;
  if (methodIn !== undefined && !CLIENT_AUTH_METHODS.includes(methodIn as ClientAuthMethod)) {
    throw new ConfigError(...M, `must be one of ${CLIENT_AUTH_METHODS.join(', ')}, got ${JSON.stringify(methodIn)}`);
  }
  if (methodIn === undefined && clientSecret && keyIn !== undefined) {
    throw new ConfigError(...M, 'is required when both `clientSecret` and `clientPrivateKey` are given (say which one the client authenticates with)');
  }
  const method: ClientAuthMethod = (methodIn as ClientAuthMethod | undefined) ?? (clientSecret ? 'client_secret_basic' : keyIn !== undefined ? 'private_key_jwt' : 'none');
  switch (method) {
    case 'none':
      if (clientSecret) throw new ConfigError(...M, '"none" (a public client) must not be given a `clientSecret` (SESSIONKIT_CLIENT_SECRET): remove the secret, or use client_secret_basic / client_secret_post');
      if (keyIn !== undefined) throw new ConfigError(...K, 'is only used with clientAuthMethod "private_key_jwt"');
      return { method };
    case 'client_secret_basic':
    case 'client_secret_post':
      if (!clientSecret) throw new ConfigError('clientSecret', 'SESSIONKIT_CLIENT_SECRET', `is required with clientAuthMethod "${method}"`);
      if (keyIn !== undefined) throw new ConfigError(...K, `is only used with clientAuthMethod "private_key_jwt", not "${method}"`);
      return { method };
    case 'private_key_jwt': {
      if (keyIn === undefined) throw new ConfigError(...K, 'is required with clientAuthMethod "private_key_jwt" (a PEM private key or a private JWK)');
      if (clientSecret) throw new ConfigError(...M, '"private_key_jwt" does not use `clientSecret` (SESSIONKIT_CLIENT_SECRET): remove the secret, or choose a secret method');
      return { method, privateKey: parsePrivateKey(keyIn) };
    }
  }
}

function parsePrivateKey(input: unknown): NonNullable<ResolvedClientAuth['privateKey']> {
  const K = ['clientPrivateKey', 'SESSIONKIT_CLIENT_PRIVATE_KEY'] as const;
  let jwkIn: ClientPrivateJwk | undefined;
  let key: KeyObject;
  try {
    if (typeof input === 'string' && input.trim().startsWith('{')) jwkIn = JSON.parse(input) as ClientPrivateJwk;
    else if (input !== null && typeof input === 'object') jwkIn = input as ClientPrivateJwk;
    if (jwkIn) {
      if (typeof jwkIn.d !== 'string') throw new ConfigError(...K, 'is a public JWK: the private key (with "d") is needed');
      key = createPrivateKey({ key: jwkIn as NodeJwk, format: 'jwk' });
    } else if (typeof input === 'string') {
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(input)) throw new ConfigError(...K, 'is not a PEM private key or a private JWK (a certificate or a public key will not do)');
      key = createPrivateKey({ key: input, format: 'pem' });
    } else {
      throw new ConfigError(...K, 'must be a PEM string or a private JWK');
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(...K, `is not a usable private key (${(error as Error).message.split('\n')[0]})`);
  }
  if (key.type !== 'private') throw new ConfigError(...K, 'is not a private key');
  let alg: string;
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new ConfigError(...K, 'is an RSA key shorter than 2048 bits');
    alg = 'RS256';
  } else if (type === 'ec' && (curve === 'prime256v1' || curve === 'P-256')) alg = 'ES256';
  else if (type === 'ec' && (curve === 'secp384r1' || curve === 'P-384')) alg = 'ES384';
  else if (type === 'ec' && (curve === 'secp521r1' || curve === 'P-521')) alg = 'ES512';
  else if (type === 'ed25519') alg = 'EdDSA';
  else throw new ConfigError(...K, `must be an RSA, EC (P-256, P-384, P-521) or Ed25519 key, got ${type}${curve ? ` ${curve}` : ''}`);
  if (type === 'rsa' && typeof jwkIn?.alg === 'string' && /^(RS|PS)(256|384|512)$/.test(jwkIn.alg)) alg = jwkIn.alg;
  const jwk = Object.freeze(key.export({ format: 'jwk' }));
  return Object.freeze({ jwk, alg, kid: typeof jwkIn?.kid === 'string' && jwkIn.kid ? jwkIn.kid : undefined });
}

/** A JOSE `typ` as compared: lower case, without the optional `application/` prefix (RFC 7515 §4.1.9). */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/**
 * Cookie name prefixes that browsers enforce: `__Secure-` needs `Secure`; `__Host-` needs
 * `Secure`, `Path=/` and no `Domain` (then no sibling subdomain can set or toss the cookie).
 * A cookie that breaks them is silently dropped by the browser, so it is refused here.
 */
function checkCookiePrefix(name: string, attrs: { secure: boolean; domain: string | undefined; path: string }): void {
  const lower = name.toLowerCase();
  const host = lower.startsWith('__host-');
  if ((host || lower.startsWith('__secure-')) && !attrs.secure) {
    throw new ConfigError('cookie.name', 'SESSIONKIT_COOKIE_NAME', `${JSON.stringify(name)} needs a Secure cookie: an https:// baseURL or cookie.secure: true`);
  }
  if (host && attrs.domain !== undefined) throw new ConfigError('cookie.domain', 'SESSIONKIT_COOKIE_DOMAIN', `must not be set with the __Host- cookie name ${JSON.stringify(name)}`);
  if (host && attrs.path !== '/') throw new ConfigError('cookie.path', undefined, `must be "/" with the __Host- cookie name ${JSON.stringify(name)}`);
}

function parseUrl(value: string, option: string, envVar: string | undefined): URL {
  try {
    return new URL(value);
  } catch {
    throw new ConfigError(option, envVar, `must be an absolute URL, got ${JSON.stringify(value)}`);
  }
}

/**
 * `allowInsecureIssuer` (`SESSIONKIT_ALLOW_INSECURE_ISSUER=1`): a development provider on an
 * internal host over plain `http://` (`http://keycloak:8080` in Docker Compose). Refused when
 * `NODE_ENV` is `production`. `'refused'` when asked for in production, else whether it is on.
 */
function insecureProvider(options: SessionKitOptions, env: Env): boolean | 'refused' {
  const asked = options.allowInsecureIssuer ?? ['1', 'true'].includes((env.SESSIONKIT_ALLOW_INSECURE_ISSUER ?? '').toLowerCase());
  if (!asked) return false;
  return env.NODE_ENV === 'production' ? 'refused' : true;
}

function checkProviderUrlWith(value: string, option: string, envVar: string | undefined, insecure: boolean | 'refused'): URL {
  const url = parseUrl(value, option, envVar);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  if (url.protocol === 'http:' && insecure === true) return url;
  if (url.protocol === 'http:' && insecure === 'refused') {
    throw new ConfigError(option, envVar, `must be https:// in production: \`allowInsecureIssuer\` (SESSIONKIT_ALLOW_INSECURE_ISSUER) is refused when NODE_ENV=production, got ${url.origin}`);
  }
  throw new ConfigError(
    option,
    envVar,
    `must be https:// (http:// is allowed only for localhost, 127.0.0.1 and ::1, or for a development host with \`allowInsecureIssuer: true\` / SESSIONKIT_ALLOW_INSECURE_ISSUER=1 outside production), got ${url.origin}`,
  );
}

function joinPath(base: URL, path: string): string {
  const prefix = base.pathname.replace(/\/$/, '');
  return base.origin + prefix + path;
}

function number(value: unknown, option: string, envVar: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min) {
    throw new ConfigError(option, envVar, `must be a number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function resolvePasswords(input: unknown): Readonly<Record<string, string>> {
  const option = 'cookie.password';
  const envVar = 'SESSIONKIT_COOKIE_PASSWORD';
  if (input === undefined || input === '') {
    throw new ConfigError(option, envVar, 'is required: a secret of at least 32 characters (e.g. `openssl rand -base64 32`)');
  }
  const map: Record<string, unknown> = typeof input === 'string' ? { 1: input } : (input as Record<string, unknown>);
  if (typeof map !== 'object' || map === null || Object.keys(map).length === 0) {
    throw new ConfigError(option, envVar, 'must be a string or a non-empty { [id]: password } map');
  }
  for (const [id, pw] of Object.entries(map)) {
    if (!/^\d+$/.test(id)) throw new ConfigError(option, envVar, `ids of the password map must be numbers (the highest seals), got ${JSON.stringify(id)}`);
    if (typeof pw !== 'string' || pw.length < 32) {
      throw new ConfigError(option, envVar, `must be at least 32 characters long${typeof map === 'object' && typeof input !== 'string' ? ` (id ${id})` : ''}: a random secret, e.g. \`openssl rand -base64 32\``);
    }
  }
  return Object.freeze({ ...(map as Record<string, string>) });
}

function resolveRoutes(routes: SessionKitOptions['routes']): Readonly<ResolvedRoutes> {
  if (routes === false) {
    return Object.freeze(Object.fromEntries(Object.keys(DEFAULT_ROUTES).map((k) => [k, null])) as unknown as ResolvedRoutes);
  }
  const out = { ...DEFAULT_ROUTES };
  for (const [key, value] of Object.entries(routes ?? {})) {
    if (!(key in DEFAULT_ROUTES)) throw new ConfigError(`routes.${key}`, undefined, `is not a route (known: ${Object.keys(DEFAULT_ROUTES).join(', ')})`);
    if (value === false) out[key as keyof ResolvedRoutes] = null;
    else if (typeof value === 'string' && value.startsWith('/')) out[key as keyof ResolvedRoutes] = value;
    else throw new ConfigError(`routes.${key}`, undefined, `must be a path starting with "/" or false, got ${JSON.stringify(value)}`);
  }
  return Object.freeze(out);
}
