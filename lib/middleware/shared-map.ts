/**
 * Express's `req` and `res` in dictionary mode, so that every request shares one hidden class.
 *
 * Express sets the prototype of every request and response
 * (`Object.setPrototypeOf(req, app.request)`). V8 then gives the object a hidden class outside
 * any transition tree, and each property added afterwards builds a new hidden class for that one
 * object (the router adds several to every request: `req.next`, `req.baseUrl`, `req.params`, …).
 * So every Express request has a hidden class of its own, and every property read on it — in the
 * router, in sessionkit, in the app's handlers — misses V8's inline caches and is looked up in
 * the runtime: about 1–2 µs a read under load, measured.
 *
 * One property added and deleted at once turns the object into a dictionary-mode object, whose
 * hidden class V8 takes from its cache of them, one per prototype: the requests of an app then
 * share one, the reads after it hit the caches (a hash lookup), and a property added builds no
 * hidden class. Measured on Node 20 (`npm run bench`, the `express-floor-dict` row): a bare
 * Express app does the same work with this alone for about 30 % less CPU a request. sessionkit
 * does it first thing, so that its own reads and everything after it (the router, the guard, the
 * handler) gain. What a program sees of the object does not change: the same properties, with
 * the same attributes, in the same order (a Proxy's traps see a symbol set and deleted).
 *
 * Where it gains nothing (and costs about what it did before):
 * - V8's cache has a slot per prototype picked by a hash that is random for each process; when
 *   `req`'s and `res`'s prototypes (or another hot one) fall on the same slot they evict each
 *   other, and each request gets a hidden class of its own again (measured: about 1 process in
 *   60);
 * - inside a mounted sub-app (`app.use('/x', subApp)`): Express sets the prototype again on the
 *   way in and out, which gives a dictionary-mode object a hidden class of its own.
 *
 * @packageDocumentation
 */

/** The property {@link shareMap} adds and deletes at once: a symbol no one else sees. */
const PASSING = Symbol('sessionkit.passing');

/**
 * Put `object` (Express's `req` or `res`) in dictionary mode; an object that cannot take a
 * property (frozen, sealed, a Proxy that refuses) is left as it is. Cheap on an object already in
 * that mode.
 */
export function shareMap(object: object): void {
  if (!Object.isExtensible(object)) return;
  try {
    (object as Record<symbol, unknown>)[PASSING] = undefined;
    delete (object as Record<symbol, unknown>)[PASSING];
  } catch {
    // A Proxy whose trap refuses (strict mode throws): nothing to gain, nothing changed.
  }
}
