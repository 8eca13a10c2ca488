// Types for index.js. Kept in step with its JSDoc; regenerate with
// npx tsc --ignoreConfig --allowJs --declaration --emitDeclarationOnly --module nodenext --strict --skipLibCheck --outDir <tmp> lib/testing/dev-idp/index.js lib/testing/dev-idp/http-login.js
// (the command writes one file per module; fold what this file re-exports into it).
// Self-contained: index.js re-exports from its modules (clients.js, acr.js; the Fault, DevIdpCounts and
// DevIdpOptions types come from faults.js, counters.js, options.js), which have no .d.ts of their own
// (they are internal; TypeScript resolves only index.js and http-login.js to these files).

import { DEMO_USERS, ORGANIZATIONS } from './accounts.js';
export { DEMO_USERS, ORGANIZATIONS };
export type { DemoUser, Membership, Organization } from './accounts.js';
/**
 * The client registered when `clients` is not given. Its secret is a documented demo value.
 */
/** Client metadata for a web app at `baseURL` (or several): `/callback`, `/`, code + refresh, client_secret_basic; `extra` on top. */
export declare function webClient(app: { clientId: string; clientSecret: string; baseURL: string | string[] } & Record<string, unknown>): Record<string, unknown>;
/** The `acr` of a password sign-in at the dev IdP. */
export declare const ACR_PWD = "urn:sessionkit:dev:pwd";
/** The `acr` of a sign-in that also passed the demo second factor (step-up, RFC 9470). */
export declare const ACR_MFA = "urn:sessionkit:dev:mfa";
/** The one code the demo second-factor page accepts (shown on the page: a demo, not a secret). */
export declare const DEMO_SECOND_FACTOR_CODE = "000000";
export declare const DEFAULT_CLIENT: Readonly<{
    client_id: string;
    client_secret: string;
    client_name: "sessionkit example app";
    redirect_uris: readonly string[];
    post_logout_redirect_uris: readonly string[];
    grant_types: readonly string[];
    response_types: readonly string[];
    token_endpoint_auth_method: "client_secret_basic";
}>;
export type Fault = null | {
    status: number;
    body?: string;
    contentType?: string;
    /** extra response headers (e.g. a `WWW-Authenticate` challenge) */
    headers?: Record<string, string>;
} | {
    hang: true;
} | {
    malformedJson: true;
} | {
    /** the request is answered by oidc-provider; its JSON 200 body is replaced by what this returns */
    rewrite: (body: Record<string, any>) => Record<string, any> | Promise<Record<string, any>>;
};
export type DevIdpCounts = {
    /**
     * successful authorization_code grants (`grant.success`)
     */
    authorizationCodeGrants: number;
    /**
     * successful refresh_token grants (`grant.success`)
     */
    refreshGrants: number;
    /**
     * failed refresh_token grants (`grant.error`), including refused organization switches
     */
    refreshGrantErrors: number;
    /**
     * spent refresh tokens presented again (`grant.error`, "refresh token already used")
     */
    refreshTokenReuses: number;
    /**
     * `grant.revoked` events: reuse detection, refresh-token revocation, logout of a session-bound grant
     */
    grantsRevoked: number;
    /**
     * successful calls of the revocation endpoint
     */
    revocations: number;
    /**
     * `end_session.success` events
     */
    endSessions: number;
    /**
     * requests answered by an injected fault
     */
    faultedRequests: number;
    /**
     * `GET /jwks` requests (key-set fetches by relying parties)
     */
    jwksRequests: number;
    /**
     * `GET /.well-known/openid-configuration` requests
     */
    discoveryRequests: number;
    /**
     * successful pushes to `/request` (PAR, `201`)
     */
    pushedAuthorizationRequests: number;
    /**
     * `use_dpop_nonce` answers of the provider (token, userinfo, PAR endpoints)
     */
    dpopNonceChallenges: number;
    /**
     * requests to `/token` that carried a `DPoP` proof header
     */
    dpopProofs: number;
};
export type DevIdpOptions = {
    /**
     * default 0 (ephemeral)
     */
    port?: number;
    /**
     * default '127.0.0.1'
     */
    host?: string;
    /**
     * oidc-provider client metadata; default [DEFAULT_CLIENT].
     * Extra property `access_token_format: 'opaque'` gives a client opaque access tokens without
     * audience (usable at userinfo and introspection) instead of JWTs.
     */
    clients?: Record<string, unknown>[];
    /**
     * seconds, default 300
     */
    accessTokenTTL?: number;
    /**
     * seconds, default 3600
     */
    idTokenTTL?: number;
    /**
     * seconds, default 14 days
     */
    refreshTokenTTL?: number;
    /**
     * default: silent. Never receives token values.
     */
    logger?: (line: string) => void;
    /**
     * behave like most providers: ignore the `organization_id` parameter on authorization and refresh
     * requests (tokens speak for the user's default organization, or none); default false
     */
    ignoreOrganizationParam?: boolean;
    /**
     * false: refresh tokens stay the same across refreshes (as with Entra ID, Google, Keycloak's
     * default); default true (rotate on every use, with reuse detection)
     */
    rotateRefreshTokens?: boolean;
    /**
     * true: the authorization endpoint accepts only pushed requests (RFC 9126; discovery says
     * `require_pushed_authorization_requests`); default false (PAR is offered either way)
     */
    requirePushedAuthorizationRequests?: boolean;
    /**
     * the DPoP proof algorithms the provider accepts and lists in `dpop_signing_alg_values_supported`;
     * default ['ES256', 'Ed25519', 'EdDSA']
     */
    dpopSigningAlgs?: string[];
    /**
     * true: every DPoP proof at the provider must carry a server nonce (RFC 9449 §8): a proof without
     * one is answered `use_dpop_nonce` with a `DPoP-Nonce`; default false (DPoP is accepted either way)
     */
    dpopNonces?: boolean;
    /**
     * who can sign in; default the demo accounts (DEMO_USERS)
     */
    users?: readonly import("./accounts.js").DemoUser[];
    /**
     * default the demo organizations (ORGANIZATIONS)
     */
    organizations?: readonly import("./accounts.js").Organization[];
};
export type DevIdp = {
    /**
     * `http://127.0.0.1:${port}`, no trailing slash; also the default access-token audience
     */
    issuer: string;
    port: number;
    /**
     * the oidc-provider `Provider` instance (the package ships no types)
     */
    provider: any;
    /**
     * register or replace a client at run time
     */
    addClient: (metadata: Record<string, unknown>) => Promise<void>;
    /**
     * live counters
     */
    readonly counts: DevIdpCounts;
    /**
     * how clients authenticated at `/token`, `/token/revocation`, `/token/introspection` and `/request` (PAR), oldest first
     * (the last 1000; cleared by resetCounts): `client_secret_basic`, `client_secret_post`, `private_key_jwt` or `none`
     */
    readonly clientAuthLog: {
        path: string;
        method: string;
    }[];
    resetCounts: () => void;
    /**
     * answer requests to `paths` (default ['/token']) with a fault
     */
    setFault: (fault: Fault, paths?: string[]) => void;
    /**
     * requests currently held by a `{ hang: true }` fault
     */
    readonly hangingRequests: number;
    /**
     * resolves once at least `n` (default 1) requests hang
     */
    waitForHangingRequests: (n?: number) => Promise<void>;
    /**
     * stop listening and drop connections; all state is kept
     */
    stop: () => Promise<void>;
    /**
     * listen again on the same port after stop()
     */
    start: () => Promise<void>;
    /**
     * shut down for good
     */
    close: () => Promise<void>;
    /**
     * the `kid` of the key that signs ID tokens and access tokens now
     */
    readonly currentKid: string;
    /**
     * a new RS256 key signs from now on and is published in the JWKS; the previous keys stay published
     * (for tokens already issued) unless `retire` is true. Returns the new `kid`.
     */
    rotateKeys: (options?: {
        retire?: boolean;
    }) => Promise<string>;
    /**
     * sign any payload with one of the provider's own keys (default: the current one), RS256, the key's `kid` in the
     * header; `header` adds or overrides header parameters. For tests that need a forgery only the provider could make.
     */
    signJwt: (payload: Record<string, unknown>, options?: {
        kid?: string;
        header?: Record<string, unknown>;
    }) => Promise<string>;
    /**
     * end every grant of the user (as an administrator
     * revoking the user's access would): its refresh and access tokens stop working, the next refresh is refused with
     * `invalid_grant`. Returns the number of grants ended.
     */
    revokeGrants: (accountId: string) => Promise<number>;
};
/**
 * Starts the development OpenID provider.
 * @param {DevIdpOptions} [options]
 * @returns {Promise<DevIdp>}
 */
export declare function startDevIdp(options?: DevIdpOptions): Promise<DevIdp>;
