/**
 * The environment variables sessionkit reads, by option: the one table that `resolveConfig`
 * reads them through, that the options' TSDoc (`@env`) and the README's options table quote (a
 * test holds the three together).
 *
 * @packageDocumentation
 */

/** Option path → the `SESSIONKIT_*` variable that sets it when the option is not given in code. */
export const ENV_VARS = Object.freeze({
  issuer: 'SESSIONKIT_ISSUER',
  allowInsecureIssuer: 'SESSIONKIT_ALLOW_INSECURE_ISSUER',
  clientId: 'SESSIONKIT_CLIENT_ID',
  clientSecret: 'SESSIONKIT_CLIENT_SECRET',
  clientAuthMethod: 'SESSIONKIT_CLIENT_AUTH_METHOD',
  clientPrivateKey: 'SESSIONKIT_CLIENT_PRIVATE_KEY',
  baseURL: 'SESSIONKIT_BASE_URL',
  'cookie.password': 'SESSIONKIT_COOKIE_PASSWORD',
  'cookie.name': 'SESSIONKIT_COOKIE_NAME',
  'cookie.maxAge': 'SESSIONKIT_COOKIE_MAX_AGE',
  'cookie.domain': 'SESSIONKIT_COOKIE_DOMAIN',
  'cookie.sameSite': 'SESSIONKIT_COOKIE_SAMESITE',
  pushedAuthorizationRequests: 'SESSIONKIT_PUSHED_AUTHORIZATION_REQUESTS',
  dpop: 'SESSIONKIT_DPOP',
} as const);

/** An option that a variable can set. */
export type EnvOption = keyof typeof ENV_VARS;

/** The process environment, or a stand-in for it in tests. */
export type Env = Record<string, string | undefined>;

/** The variable's value for `option`: undefined when unset or empty. */
export function fromEnv(env: Env, option: EnvOption): string | undefined {
  const value = env[ENV_VARS[option]];
  return value === undefined || value === '' ? undefined : value;
}
