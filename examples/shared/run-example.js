// Starts an example app for `npm start` / `npm run start:koa`: the development OpenID provider
// (unless SESSIONKIT_ISSUER names another), then the app, and prints where they are and the demo
// accounts. Shared by examples/express-app and examples/koa-app.
//
//   PORT       the app's port (default 3000)
//   IDP_PORT   the development provider's port (default 4000)
//   SESSIONKIT_ISSUER, SESSIONKIT_CLIENT_ID, SESSIONKIT_CLIENT_SECRET, SESSIONKIT_BASE_URL,
//   SESSIONKIT_COOKIE_PASSWORD   use your own provider / settings instead of the dev ones
//                                (with SESSIONKIT_ISSUER set, the dev provider is not started)

import { startDevIdp, webClient, DEFAULT_CLIENT, DEMO_USERS, ORGANIZATIONS } from '../dev-idp/index.js';

/**
 * Start the provider and the app built by `createApp`; Ctrl-C stops both.
 * @param {{ label: string, createApp: (options: any) => { listen(port: number): import('node:http').Server } }} example
 */
export async function runExample({ label, createApp }) {
  // DEV ONLY: a fixed, public cookie password so `npm start` works out of the box.
  // Never use it anywhere real: set SESSIONKIT_COOKIE_PASSWORD (≥ 32 random characters).
  const DEV_ONLY_COOKIE_PASSWORD = 'dev-only-insecure-cookie-password-change-me-0123456789';

  // The dev provider's demo client (public demo values, like the demo passwords).
  const { client_id: DEV_CLIENT_ID, client_secret: DEV_CLIENT_SECRET } = DEFAULT_CLIENT;

  const env = process.env;
  const port = Number(env.PORT ?? 3000);
  const baseURL = env.SESSIONKIT_BASE_URL ?? `http://localhost:${port}`;
  const clientId = env.SESSIONKIT_CLIENT_ID ?? DEV_CLIENT_ID;
  const clientSecret = env.SESSIONKIT_CLIENT_SECRET ?? DEV_CLIENT_SECRET;

  // Start the development provider unless another issuer was configured.
  const idpPort = Number(env.IDP_PORT ?? 4000);
  const idp = env.SESSIONKIT_ISSUER
    ? undefined
    : await startDevIdp({
        port: idpPort,
        clients: [
          webClient({ clientId, clientSecret, baseURL, client_name: 'sessionkit example app' }),
        ],
      }).catch((error) => portInUse(error, idpPort, 'IDP_PORT', 'the development provider'));
  const issuer = env.SESSIONKIT_ISSUER ?? /** @type {NonNullable<typeof idp>} */ (idp).issuer;

  const usingDevPassword = !env.SESSIONKIT_COOKIE_PASSWORD;
  let app;
  try {
    app = createApp({
      issuer,
      clientId,
      clientSecret,
      baseURL,
      cookiePassword: env.SESSIONKIT_COOKIE_PASSWORD ?? DEV_ONLY_COOKIE_PASSWORD,
      organizations: ORGANIZATIONS,
    });
  } catch (error) {
    await idp?.close();
    throw error;
  }

  /** @type {import('node:http').Server} */
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(port);
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  }).catch(async (error) => {
    await idp?.close();
    return portInUse(error, port, 'PORT', label);
  });

  const orgName = (/** @type {string} */ id) => ORGANIZATIONS.find((o) => o.id === id)?.name ?? id;
  const lines = [
    '',
    `  ${label.padEnd(30)} ${baseURL}`,
    `  ${'OpenID provider'.padEnd(30)} ${issuer}${idp ? '  (development provider)' : ''}`,
  ];
  if (idp) {
    lines.push('', '  Demo accounts:');
    for (const user of DEMO_USERS) {
      const orgs = user.memberships.length
        ? user.memberships.map((m) => `${orgName(m.organizationId)} (${m.role})`).join(', ')
        : 'no organization';
      lines.push(`    ${user.email.padEnd(20)} ${user.password.padEnd(16)} ${orgs}`);
    }
  }
  if (usingDevPassword) lines.push('', '  Using the DEV-ONLY cookie password; set SESSIONKIT_COOKIE_PASSWORD for anything real.');
  lines.push('', '  Press Ctrl-C to stop.', '');
  console.log(lines.join('\n'));

  let stopping = false;
  async function shutdown() {
    if (stopping) return;
    stopping = true;
    await Promise.all([
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      }),
      idp?.close(),
    ]);
    process.exit(0);
  }
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/**
 * A port already taken is a one-line message naming the variable that moves it, not a stack.
 * @param {any} error
 * @param {number} port
 * @param {string} variable
 * @param {string} what
 * @returns {never}
 */
function portInUse(error, port, variable, what) {
  if (error?.code !== 'EADDRINUSE') throw error;
  console.error(`\n  Port ${port} is already in use, so ${what} cannot start.\n  Stop whatever listens there, or choose another port: ${variable}=${port + 1} npm start\n`);
  process.exit(1);
}
