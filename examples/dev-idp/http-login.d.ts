// Types of lib/testing/dev-idp/http-login.js (the development provider ships with sessionkit).
export * from '../../lib/testing/dev-idp/http-login.js';
