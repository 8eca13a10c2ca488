/**
 * The public shapes of `sessionkit/testing`: the test provider, its users, and its error.
 *
 * @packageDocumentation
 */
import type { RequestListener, Server } from 'node:http';
import type TestAgent from 'supertest/lib/agent.js';
import { SessionKitError } from '../errors.js';
import type { SessionKitOptions } from '../types/options.js';

/** One organization membership of a {@link TestUser}. */
export interface TestMembership {
  /** The `role` claim (default `member`). */
  role?: string;
  /** The `permissions` claim (default none). */
  permissions?: string[];
  /** The `feature_flags` claim (default none). */
  featureFlags?: string[];
}

/** A user of the test provider. */
export interface TestUser {
  /** The `sub`: what `signIn(app, { user })` names. */
  id: string;
  email: string;
  /** Display name (default: the email). */
  name?: string;
  /** The password on the provider's login page (default: a random one; the kit knows it). */
  password?: string;
  /** Organization id → membership; the first is the user's default organization. */
  organizations?: Record<string, TestMembership>;
}

/** Options of {@link startTestProvider}. */
export interface TestProviderOptions {
  users: TestUser[];
  /** Access-token lifetime, seconds (default 300). */
  accessTokenTTL?: number;
  /** Refresh-token lifetime, seconds (default 14 days). */
  refreshTokenTTL?: number;
  /** Lines of the provider's own log (never token values); silent by default. */
  logger?: (line: string) => void;
}

/** Who signs in, and into which organization. */
export interface SignInOptions {
  /** A {@link TestUser} id. */
  user: string;
  /** Sign in to this organization (`/login?organizationId=…`); default the user's first. */
  organizationId?: string;
  /** Where the app answers sessionkit's login route (default `/login` under `baseURL`'s path). */
  loginPath?: string;
}

/** An app as `signIn()` takes it: an Express app, a Koa app, a request listener or an `http.Server`. */
export type TestableApp = RequestListener | Server | { callback(): RequestListener };

/** The options `provider.options(baseURL)` returns: spread them into `authMiddleware()` / `koaAuth()`. */
export type TestSessionOptions = Required<Pick<SessionKitOptions, 'issuer' | 'clientId' | 'clientSecret' | 'baseURL' | 'cookie'>>;

/** A running test provider (see {@link startTestProvider}). */
export interface TestProvider {
  /** The provider's issuer URL (`http://127.0.0.1:<port>`). */
  readonly issuer: string;
  /**
   * The options that connect an app at `baseURL` to this provider: `issuer`, `clientId`,
   * `clientSecret`, `baseURL` and a random `cookie.password`. Registers `baseURL`'s callback at
   * the provider. Use an `http://` `baseURL` (a `Secure` cookie would not travel back over supertest's plain HTTP).
   */
  options(baseURL: string): TestSessionOptions;
  /**
   * Sign `user` in to `app` through the real flow; resolves to a supertest agent that holds the
   * session cookie. Needs supertest (an optional peer dependency).
   *
   * @throws {TestKitError} when a step of the sign-in does not answer as it should.
   */
  signIn(app: TestableApp, options: SignInOptions): Promise<TestAgent>;
  /**
   * Sign `user` in to the server running at `baseURL` through the real flow; resolves to the
   * `Cookie` header value that carries the session.
   *
   * @throws {TestKitError} when a step of the sign-in does not answer as it should.
   */
  signInCookie(baseURL: string, options: SignInOptions): Promise<string>;
  /**
   * Age the sessions held by the agents that `signIn()` returned: their access tokens count as
   * expired, so the next request refreshes them at the provider (a real refresh grant). Cookies
   * from `signInCookie()` are plain strings and are not changed (sign in again instead); sessions
   * kept in a server-side store are not reached either.
   */
  expireAccessTokens(): Promise<void>;
  /** End every grant of `user` at the provider: the next refresh is refused, and the session ends. */
  revokeGrants(user: string): Promise<void>;
  /** Stop the provider. */
  close(): Promise<void>;
}

/** A step of the test kit's sign-in did not answer as it should (the message says which). */
export class TestKitError extends SessionKitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SESSIONKIT_TEST_KIT', `sessionkit/testing: ${message}`, options);
  }
}

