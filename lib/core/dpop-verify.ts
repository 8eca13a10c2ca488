/**
 * Bearer mode with DPoP (RFC 9449 §7): an incoming `Authorization: DPoP <token>` is accepted only
 * with a valid `DPoP` proof — its key's thumbprint is the token's `cnf.jkt`, `htm` and `htu` name
 * this request, `iat` is recent, `ath` is the token's hash, and its `jti` was never seen before
 * (remembered through the coordinator, so on every instance). A DPoP-bound token presented as
 * `Bearer` is refused, and so is an unbound token presented as `DPoP`.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify } from 'jose';
import type { ResolvedConfig } from '../config.js';
import { splitUrl, type RequestView } from './http.js';

/** Seconds a proof's `iat` may be away from now (either way); its `jti` is remembered twice as long. */
export const PROOF_WINDOW = 60;

/** Asymmetric JWS algorithms accepted on proofs. */
const PROOF_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'];

/** `Authorization: Bearer|DPoP <JWT>` → the scheme and the token; null for anything else. */
export function incomingToken(header: unknown): { scheme: 'Bearer' | 'DPoP'; token: string } | null {
  const match = typeof header === 'string' ? /^(Bearer|DPoP) ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(header) : null;
  if (!match) return null;
  return { scheme: match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}

/** Why a request's token was refused (keyed by the framework's request object), for the 401 challenge. */
const REFUSED = new WeakMap<object, 'Bearer' | 'DPoP'>();

/**
 * The `WWW-Authenticate` value for a request whose bearer or DPoP token was refused here
 * (`error="invalid_token"`, RFC 6750 §3.1 / RFC 9449 §7.1); undefined for any other request.
 */
export function tokenChallenge(raw: unknown, realm: string): string | undefined {
  const scheme = typeof raw === 'object' && raw !== null ? REFUSED.get(raw) : undefined;
  if (!scheme) return undefined;
  return scheme === 'DPoP' ? `DPoP realm="${realm}", error="invalid_token", algs="ES256 EdDSA PS256 RS256"` : `Bearer realm="${realm}", error="invalid_token"`;
}

/**
 * True when a verified access token (`claims`) may be used with the scheme it came with: an
 * unbound token as `Bearer`; a DPoP-bound one (`cnf.jkt`) as `DPoP` with a valid proof. A refusal
 * is logged (at debug level, without token values) and marks the request for the 401 challenge.
 */
export async function senderAllowed(
  cfg: ResolvedConfig,
  request: RequestView,
  incoming: { scheme: 'Bearer' | 'DPoP'; token: string },
  claims: Record<string, unknown>,
): Promise<boolean> {
  const cnf = claims.cnf as { jkt?: unknown } | undefined;
  const jkt = typeof cnf?.jkt === 'string' ? cnf.jkt : undefined;
  let problem: string | undefined;
  if (incoming.scheme === 'Bearer') problem = jkt ? 'a DPoP-bound access token was presented as Bearer' : undefined;
  else if (!jkt) problem = 'an access token without DPoP binding was presented as DPoP';
  else problem = await proofProblem(cfg, request, incoming.token, jkt);
  if (!problem) return true;
  cfg.logger.debug?.({ scheme: incoming.scheme, problem }, 'sessionkit: access token refused');
  if (typeof request.raw === 'object' && request.raw !== null) REFUSED.set(request.raw, incoming.scheme);
  return false;
}

/** What is wrong with the request's DPoP proof for `token` bound to `jkt`; undefined when it is valid. */
async function proofProblem(cfg: ResolvedConfig, request: RequestView, token: string, jkt: string): Promise<string | undefined> {
  const proof = request.headers.dpop;
  if (typeof proof !== 'string' || !proof || proof.includes(',')) return 'exactly one DPoP proof is required';
  let payload: Record<string, unknown>;
  let key: Record<string, unknown>;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: PROOF_ALGS });
    payload = verified.payload as Record<string, unknown>;
    key = verified.protectedHeader.jwk as Record<string, unknown>;
  } catch (error) {
    return `the proof does not verify (${(error as { code?: string }).code ?? (error as Error).name})`;
  }
  if ((await calculateJwkThumbprint(key as never)) !== jkt) return 'the proof is signed by another key than the token is bound to';
  if (payload.htm !== request.method.toUpperCase()) return 'htm does not match the request method';
  if (typeof payload.htu !== 'string' || !sameTarget(payload.htu, expectedHtu(cfg, request))) return 'htu does not match the request URL';
  const iat = payload.iat;
  if (typeof iat !== 'number' || Math.abs(iat - Date.now() / 1000) > PROOF_WINDOW) return 'iat is not recent';
  if (payload.ath !== createHash('sha256').update(token).digest('base64url')) return 'ath does not match the access token';
  const jti = payload.jti;
  if (typeof jti !== 'string' || !jti || jti.length > 256) return 'jti is missing';
  const key2 = `dpop-jti:${jkt}:${createHash('sha256').update(jti).digest('base64url')}`;
  if (!(await cfg.coordinator.remember(key2, 2 * PROOF_WINDOW))) return 'the proof was used before (jti replay)';
  return undefined;
}

/** The URL the client addressed, as `htu` names it: `baseURL`'s origin and the path the browser used, no query. */
function expectedHtu(cfg: ResolvedConfig, request: RequestView): string {
  const prefix = cfg.baseURL.pathname.replace(/\/$/, '');
  const { path } = splitUrl(request.originalUrl);
  const full = !prefix || path === prefix || path.startsWith(`${prefix}/`) ? path : prefix + path;
  return cfg.baseURL.origin + full;
}

/** `htu` compared without query and fragment (RFC 9449 §4.3), after URL normalization. */
function sameTarget(htu: string, expected: string): boolean {
  try {
    const actual = new URL(htu);
    const wanted = new URL(expected);
    return actual.origin === wanted.origin && actual.pathname === wanted.pathname;
  } catch {
    return false;
  }
}
