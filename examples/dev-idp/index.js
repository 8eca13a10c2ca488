// The development provider ships with sessionkit (`sessionkit/testing`): lib/testing/dev-idp/index.js.
export * from '../../lib/testing/dev-idp/index.js';
