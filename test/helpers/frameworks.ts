/** The frameworks every scenario runs on. */
import type { AppFactory } from './harness.js';
import { expressApp, fastifyApp, koaApp, nodeApp } from './apps.js';

export const FRAMEWORKS: [string, AppFactory][] = [
  ['express', expressApp],
  ['koa', koaApp],
  ['fastify', fastifyApp],
  ['node', nodeApp],
];
