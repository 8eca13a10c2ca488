// oidc-provider 9, loaded once for every module of the dev IdP.

// oidc-provider 9 prints "Unsupported runtime" on Node 20 when it is first imported (it declares
// Node 22 in its engines, but everything this provider uses works on Node 20, which the whole test
// suite shows), so that single line is dropped. Nothing else is filtered.
const oidc = await (async () => {
  const warn = console.warn;
  console.warn = (/** @type {unknown[]} */ ...args) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
    warn.apply(console, args);
  };
  try {
    return await import('oidc-provider');
  } finally {
    console.warn = warn;
  }
})();

/** oidc-provider's `Provider` class. */
export const Provider = oidc.default;
/** oidc-provider's error classes (`errors.InvalidRequest`, …), thrown to answer with an OAuth error. */
export const errors = oidc.errors;
/** oidc-provider's interaction policy kit (`Check`, `Prompt`, `base`). */
export const interactionPolicy = oidc.interactionPolicy;

// oidc-provider keeps its keystore and published JWKS in a private per-instance cache; the dev IdP
// reaches it only to rotate keys at run time (`idp.rotateKeys()`, a test ability).
const weakCache = await import('oidc-provider/lib/helpers/weak_cache.js');

/**
 * The private per-instance cache of a `Provider` (its `keystore` and published `jwks`).
 * @type {(provider: any) => any}
 */
export const providerInternals = weakCache.default;
