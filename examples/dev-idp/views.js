// The development provider ships with sessionkit (`sessionkit/testing`): lib/testing/dev-idp/views.js.
export * from '../../lib/testing/dev-idp/views.js';
