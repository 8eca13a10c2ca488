/**
 * Start-up validation of the sender-constraining options: `pushedAuthorizationRequests` (RFC 9126)
 * and `dpop` (RFC 9449). Called by `resolveConfig`; every problem names the option and its variable.
 *
 * @packageDocumentation
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { DpopSessionKey } from '../types/session.js';
import type { SessionKitOptions } from '../types/options.js';
import { ENV_VARS, type Env } from './env.js';

/** The `dpop` option after validation. */
export interface ResolvedDpop {
  /** One key for every session (`dpop: { privateKey }`); absent: a key per session. */
  privateKey?: Readonly<DpopSessionKey>;
}

function flag(value: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes((value ?? '').trim().toLowerCase());
}

/**
 * `pushedAuthorizationRequests` (env `SESSIONKIT_PUSHED_AUTHORIZATION_REQUESTS`).
 *
 * @throws {ConfigError} when it is not a boolean.
 */
export function resolvePar(options: SessionKitOptions, env: Env): boolean {
  const value = options.pushedAuthorizationRequests;
  if (value === undefined) return flag(env[ENV_VARS.pushedAuthorizationRequests]);
  if (typeof value !== 'boolean') {
    throw new ConfigError('pushedAuthorizationRequests', 'SESSIONKIT_PUSHED_AUTHORIZATION_REQUESTS', `must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * `dpop` (env `SESSIONKIT_DPOP=1`): `true`, `false` or `{ privateKey }` with an EC P-256 or Ed25519
 * private key (JWK, its JSON, or PEM), validated now.
 *
 * @throws {ConfigError} naming `dpop` or `dpop.privateKey`.
 */
export function resolveDpop(options: SessionKitOptions, env: Env): ResolvedDpop | undefined {
  const value = options.dpop;
  if (value === undefined) return flag(env[ENV_VARS.dpop]) ? Object.freeze({}) : undefined;
  if (value === false) return undefined;
  if (value === true) return Object.freeze({});
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('dpop', 'SESSIONKIT_DPOP', `must be true, false or { privateKey }, got ${JSON.stringify(value)}`);
  }
  const unknown = Object.keys(value).find((k) => k !== 'privateKey');
  if (unknown) throw new ConfigError(`dpop.${unknown}`, undefined, 'is not a dpop option (known: privateKey)');
  if (value.privateKey === undefined) return Object.freeze({});
  return Object.freeze({ privateKey: Object.freeze(parseDpopKey(value.privateKey)) });
}

/** An EC P-256 or Ed25519 private key → its sealed form (`crv`, `d`). */
function parseDpopKey(input: unknown): DpopSessionKey {
  const option = 'dpop.privateKey';
  let key: KeyObject;
  try {
    let jwk: Record<string, unknown> | undefined;
    if (typeof input === 'string' && input.trim().startsWith('{')) jwk = JSON.parse(input) as Record<string, unknown>;
    else if (input !== null && typeof input === 'object') jwk = input as Record<string, unknown>;
    if (jwk) {
      if (typeof jwk.d !== 'string') throw new ConfigError(option, undefined, 'is a public JWK: the private key (with "d") is needed');
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else if (typeof input === 'string' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(input)) {
      key = createPrivateKey({ key: input, format: 'pem' });
    } else {
      throw new ConfigError(option, undefined, 'must be a private JWK (object or JSON) or a PEM private key');
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(option, undefined, `is not a usable private key (${(error as Error).message.split('\n')[0]})`);
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const exported = key.export({ format: 'jwk' }) as { d?: string };
  if (type === 'ec' && (curve === 'prime256v1' || curve === 'P-256')) return { crv: 'P-256', d: exported.d! };
  if (type === 'ed25519') return { crv: 'Ed25519', d: exported.d! };
  throw new ConfigError(option, undefined, `must be an EC P-256 (ES256) or Ed25519 (EdDSA) key, got ${type}${curve ? ` ${curve}` : ''}`);
}
