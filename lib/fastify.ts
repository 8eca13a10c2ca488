/**
 * sessionkit for Fastify 5: the `fastifyAuth` plugin, the `requireAuth()` pre-handler, the types
 * and the errors. Importing this entry never loads Express or Koa.
 *
 * @packageDocumentation
 */
export { fastifyAuth, requireAuth } from './middleware/fastify.js';
export * from './common.js';
