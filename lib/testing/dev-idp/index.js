// sessionkit development OpenID provider: oidc-provider 9, in process, real HTTP on loopback.
//
// Used by the example apps (`npm start`) and by the library's integration tests. See README.md.
// This module composes the parts: options.js (defaults, checks), server.js (HTTP), keys.js
// (signing keys, rotation), configuration.js (the oidc-provider configuration), organizations.js,
// acr.js (step-up), consent.js, clients.js, interactions.js (the pages), events.js, counters.js
// and faults.js (test abilities).

import { DEMO_USERS, ORGANIZATIONS } from './accounts.js';
import { MemoryStore } from './adapter.js';
import { clientRegistration } from './clients.js';
import { createConfiguration } from './configuration.js';
import { createCounters } from './counters.js';
import { observeEvents } from './events.js';
import { createFaults } from './faults.js';
import { interactionPages } from './interactions.js';
import { createKeys } from './keys.js';
import { Provider } from './oidc.js';
import { resolveOptions } from './options.js';
import { createOrganizations } from './organizations.js';
import { createHttpServer } from './server.js';

export { DEMO_USERS, ORGANIZATIONS };
export { DEFAULT_CLIENT, webClient } from './clients.js';
export { ACR_MFA, ACR_PWD, DEMO_SECOND_FACTOR_CODE } from './acr.js';

/** @typedef {import('./faults.js').Fault} Fault */
/** @typedef {import('./counters.js').DevIdpCounts} DevIdpCounts */
/** @typedef {import('./options.js').DevIdpOptions} DevIdpOptions */

/**
 * @typedef {object} DevIdp
 * @property {string} issuer `http://127.0.0.1:${port}`, no trailing slash; also the default access-token audience
 * @property {number} port
 * @property {any} provider the oidc-provider `Provider` instance (the package ships no types)
 * @property {(metadata: Record<string, unknown>) => Promise<void>} addClient register or replace a client at run time
 * @property {DevIdpCounts} counts live counters
 * @property {{ path: string, method: string }[]} clientAuthLog how clients authenticated at `/token`,
 *   `/token/revocation`, `/token/introspection` and `/request` (PAR), oldest first (the last 1000; cleared by resetCounts):
 *   `client_secret_basic`, `client_secret_post`, `private_key_jwt` or `none`
 * @property {() => void} resetCounts
 * @property {(fault: Fault, paths?: string[]) => void} setFault answer requests to `paths` (default ['/token']) with a fault
 * @property {number} hangingRequests requests currently held by a `{ hang: true }` fault
 * @property {(n?: number) => Promise<void>} waitForHangingRequests resolves once at least `n` (default 1) requests hang
 * @property {() => Promise<void>} stop stop listening and drop connections; all state is kept
 * @property {() => Promise<void>} start listen again on the same port after stop()
 * @property {() => Promise<void>} close shut down for good
 * @property {string} currentKid the `kid` of the key that signs ID tokens and access tokens now
 * @property {(options?: { retire?: boolean }) => Promise<string>} rotateKeys a new RS256 key signs from now on and is
 *   published in the JWKS; the previous keys stay published (for tokens already issued) unless `retire` is true.
 *   Returns the new `kid`.
 * @property {(payload: Record<string, unknown>, options?: { kid?: string, header?: Record<string, unknown> }) => Promise<string>} signJwt
 *   sign any payload with one of the provider's own keys (default: the current one), RS256, the key's `kid` in the
 *   header; `header` adds or overrides header parameters. For tests that need a forgery only the provider could make.
 * @property {(accountId: string) => Promise<number>} revokeGrants end every grant of the user (as an administrator
 *   revoking the user's access would): its refresh and access tokens stop working, the next refresh is refused with
 *   `invalid_grant`. Returns the number of grants ended.
 */

/**
 * Starts the development OpenID provider.
 * @param {DevIdpOptions} [options]
 * @returns {Promise<DevIdp>}
 */
export async function startDevIdp(options = {}) {
  const settings = resolveOptions(options);
  const { host, log, directory } = settings;

  // HTTP server first: the issuer needs the port.
  const http = createHttpServer(host);
  const port = await http.listen(settings.port);
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const store = new MemoryStore();
  const counters = createCounters();
  const { counts } = counters;
  const organizations = createOrganizations(directory, settings);
  const keys = await createKeys(log);

  const provider = new Provider(issuer, createConfiguration({ settings, issuer, store, jwks: keys.jwks, organizations }));
  // oidc-provider only puts `sid` into ID tokens (and authorization codes, hence access and
  // refresh tokens) for clients with back-channel logout; the dev IdP always does.
  provider.Client.prototype.includeSid = () => true;

  const addClient = clientRegistration(provider);
  for (const metadata of settings.clients) await addClient(metadata);

  observeEvents(provider, { counts, organizations, directory, log });
  // Middlewares, in this order: count arrivals, faults (real HTTP faults), count answers, pages.
  const faults = createFaults(counts, log);
  provider.use(counters.countRequests);
  provider.use(faults.middleware);
  provider.use(counters.countAnswers);
  provider.use(interactionPages(provider, { directory, organizations, log }));

  http.setHandler(provider.callback());
  log(`[dev-idp] listening on ${issuer}`);

  let closed = false;
  const shutdown = async () => {
    faults.releaseHangs();
    await http.close();
  };

  /** @type {DevIdp} */
  const idp = {
    issuer,
    port,
    provider,
    addClient,
    counts,
    get clientAuthLog() {
      return counters.clientAuthLog;
    },
    resetCounts() {
      counters.reset();
    },
    setFault(fault, paths = ['/token']) {
      faults.set(fault, paths);
    },
    get hangingRequests() {
      return faults.hanging;
    },
    waitForHangingRequests(n = 1) {
      return faults.waitForHanging(n);
    },
    async stop() {
      await shutdown();
      log('[dev-idp] stopped');
    },
    async start() {
      if (closed) throw new Error('dev IdP was closed');
      if (http.listening) return;
      await http.listen(port);
      log(`[dev-idp] listening again on ${issuer}`);
    },
    get currentKid() {
      return keys.currentKid;
    },
    async rotateKeys(rotation = {}) {
      return keys.rotate(provider, rotation);
    },
    async signJwt(payload, signing = {}) {
      return keys.signJwt(payload, signing);
    },
    async revokeGrants(accountId) {
      const grantIds = [];
      for (const [key, entry] of store.entries) {
        if (key.startsWith('Grant:') && entry.payload.accountId === accountId) grantIds.push(key.slice('Grant:'.length));
      }
      for (const grantId of grantIds) {
        await provider.Grant.adapter.revokeByGrantId(grantId);
        await provider.Grant.adapter.destroy(grantId);
        counts.grantsRevoked += 1;
      }
      log(`[dev-idp] ${grantIds.length} grant(s) of ${accountId} revoked`);
      return grantIds.length;
    },
    async close() {
      closed = true;
      faults.clear();
      await shutdown();
    },
  };
  return idp;
}
