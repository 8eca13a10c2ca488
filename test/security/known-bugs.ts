/**
 * Library misbehaviours the security suite found. Their cases assert the CORRECT behaviour and
 * run as `test.failing` so that the suite stays green while the library is wrong; once the
 * library is fixed, `test.failing` itself fails and says so. Set SESSIONKIT_EXPECT_FIXED=1 to run
 * them as ordinary tests instead (to check a fix).
 */
import { test } from '@jest/globals';

export const KNOWN_BUGS = {
  'returnto-dot-segments':
    'safeReturnTo() validates the raw value but returns the URL-normalized path: "/.//evil.example", "/..//evil.example", ' +
    '"/a/..//evil.example" and "/%2e%2e//evil.example" normalize to "//evil.example", a protocol-relative redirect to another origin ' +
    '(lib/core/http.ts; used by /login → /callback and by /switch-org).',
  'id-token-signature':
    'The ID token from the token endpoint is not signature-checked: one signed by a key the provider never published is accepted ' +
    '(openid-client v6 trusts the TLS channel unless enableNonRepudiationChecks() is used; lib/core/provider.ts says it checks the signature).',
  'jwks-rotation-cooldown':
    'A key rotation used at once is refused for up to 30 s after the last JWKS fetch (jose cooldownDuration 30 000, lib/core/provider.ts). ' +
    'In a session, the refresh that brought the new token has already spent the refresh token; its result is discarded as "transient", ' +
    'the next refresh presents the spent token, the provider revokes the grant and the user is logged out.',
  'jwks-refused-cross-realm':
    'isUnreachable() (lib/core/tokens.ts) recognizes a refused JWKS fetch by `error instanceof TypeError`. fetch() errors come from ' +
    'another realm under Jest (vm contexts) and similar hosts, so there a JWKS that cannot be reached makes every session\'s token ' +
    '"not verify": the session is cleared (a wrongful logout). Plain Node keeps the session (checked by hand). Test by name, not instanceof.',
} as const;

export type KnownBug = keyof typeof KNOWN_BUGS;

/** `test.failing` for a case that documents `bug` (plain `test` with SESSIONKIT_EXPECT_FIXED=1). */
export function knownLibraryBug(bug: KnownBug): typeof test.failing {
  void KNOWN_BUGS[bug];
  return (process.env.SESSIONKIT_EXPECT_FIXED ? test : test.failing) as typeof test.failing;
}
