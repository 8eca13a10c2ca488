// The development provider ships with sessionkit (`sessionkit/testing`): lib/testing/dev-idp/http-login.js.
export * from '../../lib/testing/dev-idp/http-login.js';
