// `npm start`: the development OpenID provider plus the Express example app, on loopback.
// Ports and settings: see ../shared/run-example.js.
import { runExample } from '../shared/run-example.js';
import { createApp } from './app.js';

await runExample({ label: 'sessionkit example app', createApp });
