// The development provider ships with sessionkit (`sessionkit/testing`): lib/testing/dev-idp/adapter.js.
export * from '../../lib/testing/dev-idp/adapter.js';
