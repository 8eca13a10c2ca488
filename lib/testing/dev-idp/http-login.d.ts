// Types for http-login.js. Kept in step with its JSDoc; regenerate with
// npx tsc --ignoreConfig --allowJs --declaration --emitDeclarationOnly --module nodenext --strict --skipLibCheck --outDir <tmp> lib/testing/dev-idp/index.js lib/testing/dev-idp/http-login.js
// (the command writes one file per module; fold what this file re-exports into it).
// Self-contained: http-login.js re-exports CookieJar (cookie-jar.js) and parseForms (html-forms.js).

/**
 * A minimal cookie jar: host-only cookies, path matching, expiry. Enough for the dev IdP.
 */
export declare class CookieJar {
    #private;
    /**
     * Stores the Set-Cookie headers of a response to `url`.
     * @param {string | URL} url
     * @param {Headers} headers
     */
    store(url: string | URL, headers: Headers): void;
    /**
     * The Cookie header value to send to `url` ('' when none).
     * @param {string | URL} url
     */
    header(url: string | URL): string;
    /** Number of cookies held (for assertions). */
    get size(): number;
}
/** Thrown when the provider refuses the credentials or answers unexpectedly. */
export declare class ProviderLoginError extends Error {
    status: number | undefined;
    url: string | undefined;
        constructor(message: string, details?: {
        status?: number;
        url?: string;
    });
}
/**
 * The forms of an HTML page: action, method, and named inputs with their values.
 * @param {string} html
 * @param {string} base URL the page came from
 */
export declare function parseForms(html: string, base: string): {
    id: string | undefined;
    action: string;
    method: string;
    fields: Record<string, string>;
    types: Record<string, string>;
}[];
export type BrowseOptions = {
    /**
     * cookies of the provider; a fresh jar by default
     */
    jar?: CookieJar;
    fetch?: typeof fetch;
    /**
     * default 20
     */
    maxSteps?: number;
};
/**
 * Signs in at the provider starting from the authorization URL an application redirected to,
 * following redirects with a cookie jar, and returns the final redirect back to the application
 * (its callback URL with `code`, `state` and `iss`, or with `error`). The callback itself is not
 * fetched.
 *
 * @param {string | URL} authorizationUrl
 * @param {{ email: string, password: string, secondFactorCode?: string } & BrowseOptions} options
 *   `secondFactorCode`: what to enter on the demo second-factor page (step-up); default the code
 *   the page shows
 * @returns {Promise<{ callbackUrl: string, jar: CookieJar }>}
 * @throws {ProviderLoginError} wrong credentials (the login page came back with an error) or an
 *   unexpected provider response
 */
export declare function loginAtProvider(authorizationUrl: string | URL, { email, password, secondFactorCode, jar, fetch, maxSteps }: {
    email: string;
    password: string;
    secondFactorCode?: string;
} & BrowseOptions): Promise<{
    callbackUrl: string;
    jar: CookieJar;
}>;
/**
 * Completes an RP-initiated logout (end-session URL with id_token_hint, post_logout_redirect_uri,
 * state) the way a browser would: GET it, submit the (auto-submitting) confirmation form, and
 * return the final redirect (the post_logout_redirect_uri with `state`, or the provider's own
 * "signed out" page URL). Pass the jar used for the login to end that provider session.
 *
 * @param {string | URL} endSessionUrl
 * @param {BrowseOptions} [options]
 * @returns {Promise<{ redirectUrl: string, jar: CookieJar }>}
 */
export declare function logoutAtProvider(endSessionUrl: string | URL, { jar, fetch, maxSteps }?: BrowseOptions): Promise<{
    redirectUrl: string;
    jar: CookieJar;
}>;
