/**
 * `POST /backchannel-logout`: OpenID Connect Back-Channel Logout 1.0. The provider posts a signed
 * `logout_token`; the sessions it names (by `sid`, else every session of `sub`) end on every
 * instance that shares the coordinator, and their cookies are refused from then on.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { CoreContext } from '../core/context.js';
import type { Logger } from '../types/session.js';
import { json, readFields, type Reply, type RequestView } from '../core/http.js';
import { ASYMMETRIC_ALGS, describe } from '../core/provider.js';
import { now } from '../core/policy.js';
import { endedTtl } from '../core/policy.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const NO_STORE = { 'Cache-Control': 'no-store' };

/** How old a logout token may be (its `iat`), and so how long its `jti` is remembered (plus skew). */
const MAX_AGE = 10 * 60;
const SKEW = 60;

function refuse(description: string): Reply {
  return json(400, { error: 'invalid_request', error_description: description }, NO_STORE);
}

/**
 * A warn line for refused back-channel posts at a bounded rate: the first one, then at most one
 * per `interval` ms, which counts the ones it kept quiet about. Anyone can post junk to the
 * route; a flood of it must not flood the log.
 */
export class RateLimitedWarning {
  readonly #interval: number;
  #last = -Infinity;
  #suppressed = 0;

  constructor(interval = 60_000) {
    this.#interval = interval;
  }

  /** Log `msg` at `warn` unless one went out less than `interval` ago (then only at `debug`). */
  warn(logger: Logger, obj: Record<string, unknown>, msg: string): void {
    const t = Date.now();
    if (t - this.#last < this.#interval) {
      this.#suppressed += 1;
      logger.debug?.(obj, msg);
      return;
    }
    this.#last = t;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    logger.warn(suppressed ? { ...obj, suppressed } : obj, msg);
  }
}

const WARNINGS = new WeakMap<CoreContext, RateLimitedWarning>();

function refused(core: CoreContext, description: string, error?: unknown): Reply {
  let warning = WARNINGS.get(core);
  if (!warning) WARNINGS.set(core, (warning = new RateLimitedWarning()));
  warning.warn(core.cfg.logger, error === undefined ? { reason: description } : { reason: description, error: describe(error) }, 'sessionkit: back-channel logout token refused');
  return refuse(description);
}

/** `typ` of a logout token: `logout+jwt` (Back-Channel Logout 1.0 §2.4) or none; anything else is another kind of JWT. */
function isLogoutTyp(typ: unknown): boolean {
  if (typ === undefined) return true;
  if (typeof typ !== 'string') return false;
  const t = typ.toLowerCase();
  return t === 'logout+jwt' || t === 'application/logout+jwt';
}

/** Answer `POST /backchannel-logout`. */
export async function backchannelLogout(core: CoreContext, request: RequestView): Promise<Reply> {
  const { cfg } = core;
  const token = (await readFields(request)).logout_token;
  if (!token || token.length > 16 * 1024) return refused(core, 'logout_token is required');
  let claims: Record<string, unknown>;
  try {
    const issuer = await core.provider.issuer();
    // jose checks `exp` when the token has one, and `iat` against the maximum age.
    const verified = await core.provider.withKeys((keys) =>
      jwtVerify(token, keys, { issuer, audience: cfg.clientId, algorithms: ASYMMETRIC_ALGS, requiredClaims: ['iat', 'jti'], maxTokenAge: MAX_AGE }),
    );
    if (!verified) return refused(core, 'the provider publishes no keys to verify a logout_token with');
    if (!isLogoutTyp(verified.protectedHeader.typ)) return refused(core, 'logout_token has a typ other than logout+jwt');
    claims = verified.payload as Record<string, unknown>;
  } catch (error) {
    return refused(core, 'logout_token does not verify', error);
  }
  const events = claims.events as Record<string, unknown> | undefined;
  if (!events || typeof events !== 'object' || typeof events[EVENT] !== 'object' || events[EVENT] === null) return refused(core, 'logout_token has no back-channel logout event');
  if ('nonce' in claims) return refused(core, 'a logout_token must not carry a nonce');
  const sid = typeof claims.sid === 'string' && claims.sid ? claims.sid : undefined;
  const sub = typeof claims.sub === 'string' && claims.sub ? claims.sub : undefined;
  if (!sid && !sub) return refused(core, 'logout_token names neither sid nor sub');
  if (typeof claims.jti !== 'string' || !claims.jti || typeof claims.iat !== 'number') return refused(core, 'logout_token has no jti or iat');
  // Each logout token is used once, on every instance that shares the coordinator.
  const jtiKey = `bcl:${createHash('sha256').update(`${issuer(claims)}\u0000${claims.jti}`).digest('base64url')}`;
  if (!(await cfg.coordinator.remember(jtiKey, MAX_AGE + SKEW))) return refused(core, 'logout_token was already used (replay)');
  // The cut-off is when the provider issued the token, never when it arrived: a session that
  // began after the logout (a new sign-in) is not ended by a late or replayed delivery.
  const at = Math.min(Math.floor(claims.iat), now());
  await cfg.coordinator.endSessions([sid ? `sid:${sid}` : `sub:${sub}`], at, endedTtl(cfg.cookie.maxAge));
  cfg.logger.debug?.({ by: sid ? 'sid' : 'sub' }, 'sessionkit: back-channel logout ended sessions');
  return { status: 200, headers: NO_STORE };
}

function issuer(claims: Record<string, unknown>): string {
  return typeof claims.iss === 'string' ? claims.iss : '';
}
