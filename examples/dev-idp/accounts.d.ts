// Types of lib/testing/dev-idp/accounts.js (the development provider ships with sessionkit).
export * from '../../lib/testing/dev-idp/accounts.js';
