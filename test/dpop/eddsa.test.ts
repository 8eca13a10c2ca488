/**
 * EdDSA where the provider accepts only that (issue 19.2): a provider whose
 * `dpop_signing_alg_values_supported` lists only EdDSA (old name) or Ed25519 gets Ed25519 session
 * keys, proofs under the name it lists, and the whole flow works: sign-in, refresh, auth.fetch.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { decodeJwt } from 'jose';
import { Dpop } from '../../lib/core/dpop.js';
import { Jar, startApp, startDevIdp, type DevIdp } from '../helpers/harness.js';
import { readSession } from '../helpers/tamper.js';
import { DPOP_FRAMEWORKS, startResourceServer } from './support.js';

const JSON_ACCEPT = { Accept: 'application/json' };

describe.each(DPOP_FRAMEWORKS)('Ed25519 DPoP keys on %s', (_name, factory) => {
  const idps: DevIdp[] = [];
  afterAll(async () => {
    for (const idp of idps) await idp.close();
  });

  test.each([[['EdDSA']], [['Ed25519']]])('a provider that lists only %j', async (algs) => {
    const idp = await startDevIdp({ accessTokenTTL: 300, dpopNonces: true, dpopSigningAlgs: algs });
    idps.push(idp);
    const app = await startApp(idp, factory, { dpop: true });
    const api = await startResourceServer(idp.issuer, idp.issuer);
    try {
      const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as any;
      expect(discovery.dpop_signing_alg_values_supported).toEqual(algs);
      const jar = new Jar();
      expect((await app.signIn(jar)).status).toBe(302);
      const record = await readSession(jar);
      expect(record.dpopKey.crv).toBe('Ed25519');
      expect((decodeJwt(record.accessToken) as any).cnf.jkt).toBe(await new Dpop({}).thumbprint(record.dpopKey));
      const grants = idp.counts.refreshGrants;
      expect((await app.send('POST', '/refresh-now', jar, { headers: JSON_ACCEPT })).status).toBe(200);
      expect(idp.counts.refreshGrants).toBe(grants + 1);
      const call = await app.get(`/call-api?to=${encodeURIComponent(`${api.url}/x`)}`, jar, JSON_ACCEPT);
      expect(call.body).toMatchObject({ status: 200, body: { scheme: 'DPoP' } });
    } finally {
      await api.close();
      await app.close();
    }
  });
});
