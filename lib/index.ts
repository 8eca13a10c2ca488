/**
 * sessionkit for Express: `authMiddleware()`, `requireAuth()`, the types and the errors.
 * Importing this entry never loads Koa.
 *
 * @packageDocumentation
 */
export { authMiddleware, requireAuth } from './middleware/express.js';
export * from './common.js';
