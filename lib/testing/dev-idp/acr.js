// Step-up (RFC 9470): the dev IdP's two authentication levels and its demo second factor.
//
// Asked for an acr_values list without the password level, a sign-in (or a session of the
// password level) goes through the demo second-factor page and ends with ACR_MFA.

import { interactionPolicy } from './oidc.js';
import { readForm } from './util.js';
import { secondFactorPage } from './views.js';

/** The `acr` of a password sign-in at the dev IdP. */
export const ACR_PWD = 'urn:sessionkit:dev:pwd';
/** The `acr` of a sign-in that also passed the demo second factor (step-up, RFC 9470). */
export const ACR_MFA = 'urn:sessionkit:dev:mfa';
/** The one code the demo second-factor page accepts (shown on the page: a demo, not a secret). */
export const DEMO_SECOND_FACTOR_CODE = '000000';

/**
 * The `acr_values` of an authorization request, as a list.
 * @param {Record<string, unknown>} params
 * @returns {string[]}
 */
export function requestedAcrValues(params) {
  return typeof params.acr_values === 'string' ? params.acr_values.split(' ').filter(Boolean) : [];
}

/**
 * A sign-in asked for acr_values without the password level: it takes the second factor.
 * @param {Record<string, unknown>} params
 */
export function needsSecondFactor(params) {
  const wanted = requestedAcrValues(params);
  return wanted.length > 0 && !wanted.includes(ACR_PWD);
}

/** The `login` prompt check that sends a session of a weaker level than asked for to sign in again. */
export function stepUpCheck() {
  return new interactionPolicy.Check(
    'acr_values_step_up',
    'the requested acr_values need a stronger sign-in than the session has',
    (/** @type {any} */ ctx) => {
      if (ctx.oidc.result?.login) return false;
      const wanted = requestedAcrValues(ctx.oidc.params);
      const current = ctx.oidc.session?.acr;
      return wanted.length > 0 && current !== ACR_MFA && !wanted.includes(current);
    },
  );
}

/**
 * The demo second-factor step of interactions: who passed the password step and owes the code
 * (per interaction uid, five minutes), the page, and the check of the submitted code.
 */
export function createSecondFactor() {
  /** interaction uid → the user who passed the password step and owes the second factor */
  const pending = new Map();
  return {
    /**
     * `accountId` passed the password step of interaction `uid` and owes the second factor.
     * @param {string} uid @param {string} accountId
     */
    ask(uid, accountId) {
      pending.set(uid, { accountId, expires: Date.now() + 5 * 60_000 });
    },
    /**
     * Answers with the second-factor page.
     * @param {any} ctx @param {string} uid @param {string} [error]
     */
    render(ctx, uid, error) {
      ctx.status = 200;
      ctx.type = 'html';
      ctx.body = secondFactorPage({ uid, code: DEMO_SECOND_FACTOR_CODE, error });
    },
    /**
     * Checks a submitted code: `no-password` (nobody owes one here, or too late), `wrong-code`, or
     * `passed` by `accountId` (then the interaction owes nothing any more).
     * @param {any} ctx @param {string} uid
     * @returns {Promise<{ outcome: 'no-password' } | { outcome: 'wrong-code' } | { outcome: 'passed', accountId: string }>}
     */
    async verify(ctx, uid) {
      const owed = pending.get(uid);
      if (!owed || owed.expires < Date.now()) {
        pending.delete(uid);
        return { outcome: 'no-password' };
      }
      const form = await readForm(ctx.req);
      if (form.code !== DEMO_SECOND_FACTOR_CODE) return { outcome: 'wrong-code' };
      pending.delete(uid);
      return { outcome: 'passed', accountId: owed.accountId };
    },
  };
}
