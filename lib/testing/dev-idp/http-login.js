// Drive the dev IdP's pages with plain HTTP (fetch + a tiny cookie jar), the way a browser would.
// For tests: sign in from an authorization URL, or complete an RP-initiated logout.

import { CookieJar } from './cookie-jar.js';
import { decodeEntities, parseForms } from './html-forms.js';

export { CookieJar } from './cookie-jar.js';
export { parseForms } from './html-forms.js';

/** Thrown when the provider refuses the credentials or answers unexpectedly. */
export class ProviderLoginError extends Error {
  /** @param {string} message @param {{ status?: number, url?: string }} [details] */
  constructor(message, details = {}) {
    super(message);
    this.name = 'ProviderLoginError';
    this.status = details.status;
    this.url = details.url;
  }
}

/**
 * @typedef {object} BrowseOptions
 * @property {CookieJar} [jar] cookies of the provider; a fresh jar by default
 * @property {typeof fetch} [fetch]
 * @property {number} [maxSteps] default 20
 */

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
 * @throws {ProviderLoginError} wrong credentials (the login page came back with an error), a wrong
 *   second-factor code, or an unexpected provider response
 */
export async function loginAtProvider(authorizationUrl, { email, password, secondFactorCode, jar = new CookieJar(), fetch = globalThis.fetch, maxSteps = 20 }) {
  const providerOrigin = new URL(authorizationUrl).origin;
  let credentialsSent = false;
  let codeSent = false;
  const callbackUrl = /** @type {string} */ (await browse(String(authorizationUrl), providerOrigin, jar, fetch, maxSteps, (forms, url, html) => {
    const login = forms.find((f) => f.types.password === 'password');
    if (login) {
      if (credentialsSent) {
        const error = /<[^>]*id="error"[^>]*>([\s\S]*?)</i.exec(html)?.[1];
        throw new ProviderLoginError(`sign-in refused${error ? `: ${decodeEntities(error.trim())}` : ''}`, { status: 200, url });
      }
      credentialsSent = true;
      return { action: login.action, fields: { email, password } };
    }
    // The demo second factor (step-up): the code the page shows, unless one is given.
    const second = forms.find((f) => 'code' in f.fields && f.types.code !== 'hidden');
    if (second) {
      if (codeSent) {
        const error = /<[^>]*id="error"[^>]*>([\s\S]*?)</i.exec(html)?.[1];
        throw new ProviderLoginError(`second factor refused${error ? `: ${decodeEntities(error.trim())}` : ''}`, { status: 200, url });
      }
      codeSent = true;
      const shown = /<code id="demo-code">([^<]*)<\/code>/.exec(html)?.[1];
      return { action: second.action, fields: { code: secondFactorCode ?? decodeEntities(shown ?? '') } };
    }
    return undefined;
  }));
  return { callbackUrl, jar };
}

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
export async function logoutAtProvider(endSessionUrl, { jar = new CookieJar(), fetch = globalThis.fetch, maxSteps = 10 } = {}) {
  const providerOrigin = new URL(endSessionUrl).origin;
  let finalUrl = '';
  const redirectUrl = await browse(String(endSessionUrl), providerOrigin, jar, fetch, maxSteps, () => undefined, (url) => {
    finalUrl = url;
  });
  return { redirectUrl: redirectUrl ?? finalUrl, jar };
}

/**
 * @param {string} start
 * @param {string} providerOrigin
 * @param {CookieJar} jar
 * @param {typeof fetch} fetchImpl
 * @param {number} maxSteps
 * @param {(forms: ReturnType<typeof parseForms>, url: string, html: string) => ({ action: string, fields: Record<string, string> } | undefined)} onPage
 * @param {(url: string) => void} [onFinalPage] a 200 page without a form to submit ends the walk
 * @returns {Promise<string | undefined>} the first URL outside the provider (undefined: ended on a final page)
 */
async function browse(start, providerOrigin, jar, fetchImpl, maxSteps, onPage, onFinalPage) {
  let url = start;
  /** @type {RequestInit} */
  let init = { method: 'GET' };
  for (let step = 0; step < maxSteps; step += 1) {
    const headers = new Headers(init.headers);
    headers.set('accept', 'text/html');
    const cookie = jar.header(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetchImpl(url, { ...init, headers, redirect: 'manual' });
    jar.store(url, res.headers);

    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const location = res.headers.get('location');
      if (!location) throw new ProviderLoginError(`redirect without Location at ${url}`, { status: res.status, url });
      const next = new URL(location, url);
      if (next.origin !== providerOrigin) return next.href;
      url = next.href;
      init = { method: 'GET' };
      continue;
    }

    const html = await res.text();
    if (res.status !== 200) {
      throw new ProviderLoginError(`provider answered ${res.status} at ${url}: ${summarize(html)}`, { status: res.status, url });
    }
    const forms = parseForms(html, url);
    const custom = onPage(forms, url, html);
    // Otherwise submit an auto-submitting form (logout confirmation, form_post hops).
    const auto = custom ?? forms.find((f) => f.method === 'POST' && Object.keys(f.fields).length > 0
      && Object.values(f.types).every((t) => t === 'hidden'));
    if (!auto) {
      if (onFinalPage) {
        onFinalPage(url);
        return undefined;
      }
      throw new ProviderLoginError(`no form to submit at ${url}: ${summarize(html)}`, { status: res.status, url });
    }
    if (new URL(auto.action).origin !== providerOrigin) {
      throw new ProviderLoginError(`form posts to ${auto.action}, outside the provider (response_mode=form_post is not supported)`, { url });
    }
    url = auto.action;
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(auto.fields).toString(),
    };
  }
  throw new ProviderLoginError(`gave up after ${maxSteps} steps at ${url}`, { url });
}

/** @param {string} html */
function summarize(html) {
  try {
    const json = JSON.parse(html);
    return `${json.error}${json.error_description ? `: ${json.error_description}` : ''}`;
  } catch {
    const text = html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    return decodeEntities(text).slice(0, 300);
  }
}
