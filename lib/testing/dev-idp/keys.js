// Signing keys of the dev IdP: the key that signs now, rotation at run time, and signing with them.

import { randomBytes } from 'node:crypto';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';

import { providerInternals } from './oidc.js';

/**
 * @typedef {{ privateKey: CryptoKey, jwk: Record<string, any>, publicJwk: Record<string, any> }} SigningKey
 */

/**
 * A fresh RS256 signing key: the private JWK oidc-provider signs with, and its public half.
 * @returns {Promise<SigningKey>}
 */
async function newSigningKey() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(8).toString('base64url');
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid };
  const publicJwk = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid };
  return { privateKey, jwk, publicJwk };
}

/**
 * The provider's signing keys, newest first: the first one signs, all of them are published
 * (until retired). `jwks` is the initial key set for the provider's configuration.
 * @param {(line: string) => void} log
 */
export async function createKeys(log) {
  /** @type {SigningKey[]} */
  const signingKeys = [await newSigningKey()];

  /**
   * Key rotation at run time (oidc-provider reads its keystore on every signature and its JWKS on
   * every /jwks request, but offers no API to change them): the newest key first, so that it signs.
   * @param {any} provider
   */
  function installKeys(provider) {
    const internals = providerInternals(provider);
    if (!internals?.keystore) throw new Error('dev-idp: cannot reach the oidc-provider keystore to rotate keys');
    internals.keystore.clear();
    for (const key of signingKeys) internals.keystore.add(structuredClone(key.jwk));
    internals.jwks = { keys: signingKeys.map((key) => key.publicJwk) };
  }

  return {
    jwks: { keys: [signingKeys[0].jwk] },
    /** the `kid` of the key that signs now */
    get currentKid() {
      return signingKeys[0].jwk.kid;
    },
    /**
     * A new key signs from now on; the previous ones stay published unless `retire`.
     * @param {any} provider
     * @param {{ retire?: boolean }} [options]
     * @returns {Promise<string>} the new `kid`
     */
    async rotate(provider, { retire = false } = {}) {
      const key = await newSigningKey();
      if (retire) signingKeys.length = 0;
      signingKeys.unshift(key);
      installKeys(provider);
      log(`[dev-idp] keys rotated${retire ? ' (previous keys retired)' : ''}`);
      return key.jwk.kid;
    },
    /**
     * Signs `payload` with one of the keys (default: the current one), RS256, its `kid` in the header.
     * @param {Record<string, unknown>} payload
     * @param {{ kid?: string, header?: Record<string, unknown> }} [options]
     * @returns {Promise<string>}
     */
    async signJwt(payload, { kid, header = {} } = {}) {
      const key = kid === undefined ? signingKeys[0] : signingKeys.find((k) => k.jwk.kid === kid);
      if (!key) throw new Error(`signJwt: no key with kid ${kid}`);
      // Critical header parameters are signed as given (verifiers must refuse the ones they do not know).
      const crit = Array.isArray(header.crit) ? Object.fromEntries(header.crit.map((name) => [String(name), true])) : undefined;
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid, ...header }).sign(key.privateKey, crit ? { crit } : undefined);
    },
  };
}
