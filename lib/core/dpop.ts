/**
 * DPoP (RFC 9449), the client side: one key pair per session (or one for the app), kept sealed in
 * the session in a compact form; openid-client DPoP handles for the provider's endpoints (they
 * answer `use_dpop_nonce` themselves, once, inside the same call); and proofs for resource
 * servers (`auth.fetch()`), with the servers' nonces remembered per origin.
 *
 * @packageDocumentation
 */
import { createECDH, createHash, createPrivateKey, generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { SignJWT, calculateJwkThumbprint, type JWK } from 'jose';
import * as oidc from 'openid-client';
import type { DpopSessionKey, SessionRecord } from '../types/session.js';
import type { ResolvedDpop } from '../config/sender.js';

/** Everything needed to prove possession of one key, derived once from its sealed form. */
interface KeyMaterial {
  /** The public JWK as it goes into proof headers. */
  publicJwk: JWK;
  /** JWS algorithm of sessionkit's own proofs (`ES256`, `EdDSA`). */
  alg: string;
  /** The private key, for jose. */
  privateKey: KeyObject;
  /** The RFC 7638 thumbprint (`cnf.jkt` of the tokens bound to this key). */
  jkt: string;
  /** The WebCrypto pair openid-client signs with. */
  pair: oidc.CryptoKeyPair;
  /** openid-client handles, per configuration (each remembers the provider's nonce). */
  handles: WeakMap<oidc.Configuration, oidc.DPoPHandle>;
}

/** Prefix of a PKCS#8 Ed25519 private key before its 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Keys derived and kept in memory (their sessions are active): bounded, and forgotten after an idle hour. */
const MATERIAL_CACHE = { max: 10_000, ttl: 60 * 60_000 } as const;

/** DPoP keys and proofs for one configured middleware. */
export class Dpop {
  readonly #fixed: Readonly<DpopSessionKey> | undefined;
  readonly #materials = new LRUCache<string, Promise<KeyMaterial>>({ ...MATERIAL_CACHE, updateAgeOnGet: true });
  /** The last `DPoP-Nonce` each resource-server origin sent (RFC 9449 §9). */
  readonly nonces = new LRUCache<string, string>({ max: 1000 });

  constructor(options: ResolvedDpop) {
    this.#fixed = options.privateKey;
  }

  /**
   * The key a new session signs with: the app's key (`dpop: { privateKey }`), else a new one —
   * P-256 (ES256) unless the provider lists only EdDSA / Ed25519 in
   * `dpop_signing_alg_values_supported`. Undefined for the app's key (nothing to seal).
   */
  newSessionKey(supported: readonly string[] | undefined): DpopSessionKey | undefined {
    if (this.#fixed) return undefined;
    const ed = supported && !supported.includes('ES256') && (supported.includes('EdDSA') || supported.includes('Ed25519'));
    if (ed) {
      const { privateKey } = generateKeyPairSync('ed25519');
      return { crv: 'Ed25519', d: (privateKey.export({ format: 'jwk' }) as { d: string }).d };
    }
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const d = ecdh.getPrivateKey(); // may be shorter than 32 bytes (leading zeros): JWK wants all 32
    return { crv: 'P-256', d: Buffer.concat([Buffer.alloc(32 - d.length), d]).toString('base64url') };
  }

  /** The key `record`'s tokens are bound to (its own, else the app's); undefined when it has none. */
  keyOf(record: Pick<SessionRecord, 'dpopKey'> | null | undefined): DpopSessionKey | undefined {
    return record?.dpopKey ?? this.#fixed;
  }

  /** The openid-client DPoP handle of `key` for `configuration` (cached: it remembers the provider's nonce). */
  async handle(configuration: oidc.Configuration, key: DpopSessionKey): Promise<oidc.DPoPHandle> {
    const material = await this.#material(key);
    let handle = material.handles.get(configuration);
    if (!handle) {
      // openid-client names Ed25519 proofs `Ed25519` (RFC 9864); a provider that lists only the
      // older name `EdDSA` gets that (the signature is the same).
      const algs = dpopAlgorithms(configuration);
      const renameEd = algs !== undefined && !algs.includes('Ed25519') && algs.includes('EdDSA');
      handle = oidc.getDPoPHandle(configuration, material.pair, {
        [oidc.modifyAssertion]: (header: Record<string, unknown>) => {
          if (renameEd && header.alg === 'Ed25519') header.alg = 'EdDSA';
        },
      });
      material.handles.set(configuration, handle);
    }
    return handle;
  }

  /** The JWK thumbprint of `key` (what `cnf.jkt` of its tokens says). */
  async thumbprint(key: DpopSessionKey): Promise<string> {
    return (await this.#material(key)).jkt;
  }

  /**
   * A fresh proof for one request to a resource server: `htm`, `htu` (no query or fragment),
   * `iat`, a random `jti`, `ath` (the access token's SHA-256) and the origin's nonce when known.
   */
  async proof(key: DpopSessionKey, method: string, url: URL, accessToken: string): Promise<string> {
    const material = await this.#material(key);
    const payload: Record<string, unknown> = {
      htm: method.toUpperCase(),
      htu: `${url.origin}${url.pathname}`,
      jti: randomBytes(16).toString('base64url'),
      ath: createHash('sha256').update(accessToken).digest('base64url'),
    };
    const nonce = this.nonces.get(url.origin);
    if (nonce) payload.nonce = nonce;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: material.alg, typ: 'dpop+jwt', jwk: material.publicJwk })
      .setIssuedAt()
      .sign(material.privateKey);
  }

  #material(key: DpopSessionKey): Promise<KeyMaterial> {
    const id = `${key.crv}.${key.d}`;
    let pending = this.#materials.get(id);
    if (!pending) {
      pending = derive(key);
      this.#materials.set(id, pending);
      pending.catch(() => this.#materials.delete(id));
    }
    return pending;
  }
}

/** The full key pair of a sealed key: the public half is computed from `d`. */
async function derive(key: DpopSessionKey): Promise<KeyMaterial> {
  const seed = Buffer.from(key.d, 'base64url');
  let jwk: webcrypto.JsonWebKey;
  let publicJwk: JWK;
  let alg: string;
  let algorithm: webcrypto.EcKeyImportParams | webcrypto.Algorithm;
  if (key.crv === 'P-256') {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(seed);
    const point = ecdh.getPublicKey();
    publicJwk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') };
    jwk = { ...publicJwk, d: key.d } as webcrypto.JsonWebKey;
    alg = 'ES256';
    algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  } else if (key.crv === 'Ed25519') {
    const full = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }) as { x: string; d: string };
    publicJwk = { kty: 'OKP', crv: 'Ed25519', x: full.x };
    jwk = { ...publicJwk, d: full.d } as webcrypto.JsonWebKey;
    alg = 'EdDSA';
    algorithm = { name: 'Ed25519' };
  } else {
    throw new TypeError('unsupported DPoP key');
  }
  const privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
  const subtle = webcrypto.subtle;
  const pair = {
    privateKey: await subtle.importKey('jwk', jwk, algorithm, false, ['sign']),
    publicKey: await subtle.importKey('jwk', publicJwk as webcrypto.JsonWebKey, algorithm, true, ['verify']),
  } as unknown as oidc.CryptoKeyPair;
  return { publicJwk, alg, privateKey, jkt: await calculateJwkThumbprint(publicJwk), pair, handles: new WeakMap() };
}

/** The DPoP signing algorithms the provider lists (`dpop_signing_alg_values_supported`), when it does. */
export function dpopAlgorithms(configuration: oidc.Configuration): readonly string[] | undefined {
  const algs = (configuration.serverMetadata() as { dpop_signing_alg_values_supported?: unknown }).dpop_signing_alg_values_supported;
  return Array.isArray(algs) ? algs.filter((a): a is string => typeof a === 'string') : undefined;
}
