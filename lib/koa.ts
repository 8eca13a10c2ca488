/**
 * sessionkit for Koa: `koaAuth()`, `requireAuth()`, the types and the errors. Importing this
 * entry never loads Express.
 *
 * @packageDocumentation
 */
export { koaAuth, requireAuth } from './middleware/koa.js';
export * from './common.js';
