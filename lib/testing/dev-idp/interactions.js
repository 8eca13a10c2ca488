// The dev IdP's interaction pages (`/interaction/:uid`): the login page, the demo second factor,
// abort, and automatic consent.

import { verifyPassword } from './accounts.js';
import { ACR_MFA, ACR_PWD, createSecondFactor, needsSecondFactor } from './acr.js';
import { grantEverythingRequested } from './consent.js';
import { errors } from './oidc.js';
import { readForm } from './util.js';
import { loginPage, messagePage } from './views.js';

/**
 * The Koa middleware of the interaction pages, to `provider.use()`.
 * @param {any} provider the oidc-provider `Provider`
 * @param {{ directory: import('./accounts.js').Directory, organizations: ReturnType<typeof import('./organizations.js').createOrganizations>, log: (line: string) => void }} parts
 * @returns {(ctx: any, next: () => Promise<void>) => Promise<void>}
 */
export function interactionPages(provider, { directory, organizations, log }) {
  const secondFactor = createSecondFactor();

  /** @param {any} ctx @param {string} uid */
  async function loadInteraction(ctx, uid) {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
    return interaction;
  }

  /** @param {any} ctx @param {any} interaction @param {{ email?: string, error?: string }} [state] */
  async function renderLogin(ctx, interaction, state = {}) {
    const { params, prompt } = interaction;
    const client = await provider.Client.find(params.client_id);
    const prompts = String(params.prompt ?? '').split(' ');
    const orgId = typeof params.organization_id === 'string' ? params.organization_id : undefined;
    ctx.status = 200;
    ctx.type = 'html';
    ctx.body = loginPage({
      uid: interaction.uid,
      signUp: params.screen_hint === 'sign-up' || params.screen_hint === 'signup' || prompts.includes('create'),
      email: state.email ?? (typeof params.login_hint === 'string' ? params.login_hint : undefined),
      error: state.error,
      clientName: client?.clientName ?? params.client_id,
      organizationId: orgId,
      reauthentication: Boolean(prompt?.reasons?.includes('organization_reauthentication')),
      users: directory.users,
      organizations: directory.organizations,
    });
  }

  /** @param {any} ctx @param {string} uid */
  async function showInteraction(ctx, uid) {
    const interaction = await loadInteraction(ctx, uid);
    if (interaction.prompt.name === 'consent') {
      // First-party demo: consent is given automatically.
      const grantId = await grantEverythingRequested(provider, interaction, interaction.session?.accountId);
      return finish(ctx, { consent: { grantId } }, true);
    }
    // A step-up of a signed-in user (only the acr is missing): the second factor, not the password.
    const reasons = interaction.prompt.reasons ?? [];
    const accountId = interaction.session?.accountId;
    if (accountId && reasons.length === 1 && reasons[0] === 'acr_values_step_up' && needsSecondFactor(interaction.params)) {
      secondFactor.ask(uid, accountId);
      return secondFactor.render(ctx, uid);
    }
    return renderLogin(ctx, interaction);
  }

  /** @param {any} ctx @param {string} uid */
  async function submitLogin(ctx, uid) {
    const interaction = await loadInteraction(ctx, uid);
    const form = await readForm(ctx.req);
    const email = typeof form.email === 'string' ? form.email.trim() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    const user = directory.findUserByEmail(email);
    if (!user || !(await verifyPassword(user, password))) {
      log('[dev-idp] login failed');
      return renderLogin(ctx, interaction, { email, error: 'Invalid email or password.' });
    }
    const orgId = organizations.refusedOrganization(interaction.params, user);
    if (orgId !== undefined) {
      log(`[dev-idp] login refused: ${user.id} is not a member of ${orgId}`);
      return finish(ctx, { error: 'access_denied', error_description: `not a member of organization ${orgId}` }, false);
    }
    if (needsSecondFactor(interaction.params)) {
      secondFactor.ask(uid, user.id);
      log(`[dev-idp] second factor asked of ${user.id}`);
      return secondFactor.render(ctx, uid);
    }
    return completeLogin(ctx, interaction, user.id, ACR_PWD, ['pwd']);
  }

  /** @param {any} ctx @param {string} uid */
  async function submitSecondFactor(ctx, uid) {
    const interaction = await loadInteraction(ctx, uid);
    const result = await secondFactor.verify(ctx, uid);
    if (result.outcome === 'no-password') return renderLogin(ctx, interaction, { error: 'Sign in with your password first.' });
    if (result.outcome === 'wrong-code') return secondFactor.render(ctx, uid, 'Wrong code.');
    return completeLogin(ctx, interaction, result.accountId, ACR_MFA, ['pwd', 'otp']);
  }

  /** @param {any} ctx @param {any} interaction @param {string} accountId @param {string} acr @param {string[]} amr */
  async function completeLogin(ctx, interaction, accountId, acr, amr) {
    const grantId = await grantEverythingRequested(provider, interaction, accountId);
    log(`[dev-idp] login ${accountId} (${acr})`);
    const result = {
      login: { accountId, acr, amr },
      consent: { grantId },
      ...(String(interaction.params.prompt ?? '').split(' ').includes('create') ? { create: {} } : {}),
    };
    return finish(ctx, result, true);
  }

  /** @param {any} ctx @param {string} uid */
  async function abortInteraction(ctx, uid) {
    await loadInteraction(ctx, uid);
    return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' }, false);
  }

  /** @param {any} ctx @param {Record<string, unknown>} result @param {boolean} merge */
  async function finish(ctx, result, merge) {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  return async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(?:\/(login|abort|second-factor))?$/.exec(ctx.path);
    if (!match) return next();
    const [, uid, action] = match;
    ctx.set('Cache-Control', 'no-store');
    try {
      if (!action && ctx.method === 'GET') return await showInteraction(ctx, uid);
      if (action === 'login' && ctx.method === 'POST') return await submitLogin(ctx, uid);
      if (action === 'abort' && ctx.method === 'POST') return await abortInteraction(ctx, uid);
      if (action === 'second-factor' && ctx.method === 'POST') return await submitSecondFactor(ctx, uid);
      ctx.status = 405;
      return undefined;
    } catch (err) {
      if (err instanceof errors.SessionNotFound) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = messagePage('Sign-in expired', 'This sign-in request has expired or was already used. Go back to the application and sign in again.');
        return undefined;
      }
      throw err;
    }
  };
}
