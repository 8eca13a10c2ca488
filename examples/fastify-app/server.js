// `npm run start:fastify`: the development OpenID provider plus the Fastify example app, on loopback.
// Ports and settings: see ../shared/run-example.js.
import http from 'node:http';
import { runExample } from '../shared/run-example.js';
import { createApp } from './app.js';

await runExample({
  label: 'sessionkit example app (Fastify)',
  // run-example listens on a node:http server; Fastify routes its requests once ready.
  createApp: (options) => {
    const app = createApp(options);
    const ready = app.ready().catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
    return { listen: (/** @type {number} */ port) => http.createServer((req, res) => void ready.then(() => app.routing(req, res))).listen(port) };
  },
});
