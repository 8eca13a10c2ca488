// The dev IdP's HTTP server: real HTTP on one host, stopped and started again on the same port.

import { createServer } from 'node:http';

/**
 * An HTTP server on `host` whose request handler is set later (the issuer, hence the provider,
 * needs the port first): until then every request is answered 503.
 * @param {string} host
 */
export function createHttpServer(host) {
  /** @type {import('node:http').RequestListener} */
  let handler = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  /** @type {import('node:http').Server | undefined} */
  let server;

  return {
    /** whether it listens now */
    get listening() {
      return server !== undefined;
    },
    /** @param {import('node:http').RequestListener} listener answers every request from now on */
    setHandler(listener) {
      handler = listener;
    },
    /**
     * Listens on `port` (0: an ephemeral one).
     * @param {number} port
     * @returns {Promise<number>} the port
     */
    async listen(port) {
      const s = createServer((req, res) => handler(req, res));
      s.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      await new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          resolve(undefined);
        });
      });
      server = s;
      return /** @type {import('node:net').AddressInfo} */ (s.address()).port;
    },
    /** Stops listening and drops every connection (nothing when not listening). */
    async close() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise((resolve) => {
        s.close(() => resolve(undefined));
        s.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
