/**
 * `POST /backchannel-logout`: OpenID Connect Back-Channel Logout 1.0. The provider posts a signed
 * `logout_token`; the sessions it names (by `sid`, else every session of `sub`) end on every
 * instance that shares the coordinator, and their cookies are refused from then on.
 *
 * @packageDocumentation
 */
import { jwtVerify } from 'jose';
import type { Core } from '../core/engine.js';
import { json, readFields, type Reply, type RequestView } from '../core/http.js';
import { ASYMMETRIC_ALGS, describe } from '../core/provider.js';
import { now } from '../core/refresh.js';
import { endedTtl } from '../core/request-session.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const NO_STORE = { 'Cache-Control': 'no-store' };

function refuse(description: string): Reply {
  return json(400, { error: 'invalid_request', error_description: description }, NO_STORE);
}

/** Answer `POST /backchannel-logout`. */
export async function backchannelLogout(core: Core, request: RequestView): Promise<Reply> {
  const { cfg } = core;
  if (request.method.toUpperCase() !== 'POST') return json(405, { error: 'method_not_allowed' }, { Allow: 'POST' });
  const token = (await readFields(request)).logout_token;
  if (!token || token.length > 16 * 1024) return refuse('logout_token is required');
  let claims: Record<string, unknown>;
  try {
    const issuer = await core.provider.issuer();
    const verified = await core.provider.withKeys((keys) =>
      jwtVerify(token, keys, { issuer, audience: cfg.clientId, algorithms: ASYMMETRIC_ALGS, requiredClaims: ['iat', 'jti'], maxTokenAge: '10 minutes' }),
    );
    if (!verified) return refuse('the provider publishes no keys to verify a logout_token with');
    claims = verified.payload as Record<string, unknown>;
  } catch (error) {
    cfg.logger.warn({ error: describe(error) }, 'sessionkit: back-channel logout token refused');
    return refuse('logout_token does not verify');
  }
  const events = claims.events as Record<string, unknown> | undefined;
  if (!events || typeof events !== 'object' || typeof events[EVENT] !== 'object' || events[EVENT] === null) return refuse('logout_token has no back-channel logout event');
  if ('nonce' in claims) return refuse('a logout_token must not carry a nonce');
  const sid = typeof claims.sid === 'string' && claims.sid ? claims.sid : undefined;
  const sub = typeof claims.sub === 'string' && claims.sub ? claims.sub : undefined;
  if (!sid && !sub) return refuse('logout_token names neither sid nor sub');
  await cfg.coordinator.endSessions([sid ? `sid:${sid}` : `sub:${sub}`], now(), endedTtl(cfg.cookie.maxAge));
  cfg.logger.debug?.({ by: sid ? 'sid' : 'sub' }, 'sessionkit: back-channel logout ended sessions');
  return { status: 200, headers: NO_STORE };
}
