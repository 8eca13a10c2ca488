// A small in-memory storage adapter for oidc-provider, one store per provider instance.
//
// oidc-provider's built-in development adapter is an LRU bounded to 1,000 entries (load tests
// would silently evict grants and sessions) and prints a warning; this one is a plain Map with
// lazy expiry, the indexes oidc-provider needs (grantId, session uid, user code), and nothing else.

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * @typedef {{ payload: Record<string, any>, expiresAt: number }} Entry
 */

export class MemoryStore {
  /** @type {Map<string, Entry>} */
  entries = new Map();
  /** @type {Map<string, Set<string>>} grantId -> keys */
  grants = new Map();
  /** @type {Map<string, string>} session uid -> session id */
  sessionUids = new Map();
  /** @type {Map<string, string>} user code -> id */
  userCodes = new Map();

  /** @param {string} key */
  get(key) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return entry;
  }

  /** @param {string} key */
  delete(key) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const { grantId, uid, userCode } = entry.payload;
    const members = grantId ? this.grants.get(grantId) : undefined;
    if (members) {
      members.delete(key);
      if (members.size === 0) this.grants.delete(grantId);
    }
    if (uid && this.sessionUids.get(uid) === key.slice(key.indexOf(':') + 1)) this.sessionUids.delete(uid);
    if (userCode) this.userCodes.delete(userCode);
  }
}

/**
 * Returns an adapter factory suitable for oidc-provider's `adapter` option.
 * @param {MemoryStore} store
 */
export function createAdapterFactory(store) {
  return class DevIdpAdapter {
    /** @param {string} model */
    constructor(model) {
      this.model = model;
    }

    /** @param {string} id */
    key(id) {
      return `${this.model}:${id}`;
    }

    /**
     * @param {string} id
     * @param {Record<string, any>} payload
     * @param {number} [expiresIn] seconds
     */
    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      store.delete(key);
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
      store.entries.set(key, { payload: structuredClone(payload), expiresAt });
      if (this.model === 'Session' && payload.uid) store.sessionUids.set(payload.uid, id);
      if (payload.userCode) store.userCodes.set(payload.userCode, id);
      if (GRANTABLE.has(this.model) && payload.grantId) {
        let members = store.grants.get(payload.grantId);
        if (!members) store.grants.set(payload.grantId, (members = new Set()));
        members.add(key);
      }
    }

    /** @param {string} id */
    async find(id) {
      const entry = store.get(this.key(id));
      if (!entry) return undefined;
      // Client metadata as JSON copies: oidc-provider checks that nested objects (`jwks.keys`) are
      // plain objects of its own realm, which structuredClone does not promise (e.g. under jest).
      return this.model === 'Client' ? JSON.parse(JSON.stringify(entry.payload)) : structuredClone(entry.payload);
    }

    /** @param {string} uid */
    async findByUid(uid) {
      const id = store.sessionUids.get(uid);
      return id === undefined ? undefined : this.find(id);
    }

    /** @param {string} userCode */
    async findByUserCode(userCode) {
      const id = store.userCodes.get(userCode);
      return id === undefined ? undefined : this.find(id);
    }

    /** @param {string} id */
    async consume(id) {
      const entry = store.get(this.key(id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }

    /** @param {string} id */
    async destroy(id) {
      store.delete(this.key(id));
    }

    /** @param {string} grantId */
    async revokeByGrantId(grantId) {
      const members = store.grants.get(grantId);
      if (!members) return;
      store.grants.delete(grantId);
      for (const key of members) store.delete(key);
    }
  };
}
