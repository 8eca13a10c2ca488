/**
 * sessionkit for plain `node:http` servers and Connect apps: `nodeAuth()`, `requireAuth()`, the
 * types and the errors. Importing this entry loads no web framework.
 *
 * @packageDocumentation
 */
export { nodeAuth, requireAuth, type AuthRequest, type NodeHandler } from './middleware/node.js';
export * from './common.js';
