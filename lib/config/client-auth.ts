/**
 * `clientAuthMethod` and `clientPrivateKey`: how the client authenticates at the provider, checked
 * together with the secret.
 *
 * @packageDocumentation
 */
import { createPrivateKey, type JsonWebKey as NodeJwk, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { SessionKitOptions } from '../types/options.js';
import type { ClientAuthMethod, ClientPrivateJwk } from '../types/option-groups.js';
import { ENV_VARS, type Env } from './env.js';

/** The client-authentication method after defaults and validation. */
export interface ResolvedClientAuth {
  method: ClientAuthMethod;
  /** For `private_key_jwt`: the private key as a JWK, the JWS algorithm it signs with, its `kid`. */
  privateKey?: { jwk: Readonly<NodeJwk>; alg: string; kid: string | undefined };
}

const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];

/**
 * `clientAuthMethod` and `clientPrivateKey` (and their variables), checked together with the
 * secret: every misconfiguration is reported here, naming the option. The key is validated now,
 * synchronously (node:crypto); it becomes a signing key on first use.
 */
export function resolveClientAuth(options: SessionKitOptions, env: Env, clientSecret: string | undefined): ResolvedClientAuth {
  const methodIn = options.clientAuthMethod ?? (env[ENV_VARS.clientAuthMethod] || undefined);
  const keyIn: unknown = options.clientPrivateKey ?? (env[ENV_VARS.clientPrivateKey] || undefined);
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
