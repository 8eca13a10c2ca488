/**
 * `POST /switch-org`: a refresh grant into another organization. JSON or 303 back to
 * `returnTo`; a refusal leaves the session exactly as it was; where the provider wants the user
 * to sign in again for that organization, the login route takes over.
 *
 * @packageDocumentation
 */
import type { CoreContext } from '../core/context.js';
import { OrganizationSwitchError } from '../errors.js';
import { json, readFields, redirect, safeReturnTo, wantsJson, type Reply } from '../core/http.js';
import type { RequestSession } from '../core/request-session.js';
import { publicView } from '../core/view.js';

/** Answer `POST /switch-org` (from the app's own pages). */
export async function switchOrg(core: CoreContext, session: RequestSession, query: URLSearchParams): Promise<Reply> {
  const { cfg } = core;
  const { request } = session;
  const fields = { ...Object.fromEntries(query), ...(await readFields(request)) };
  const asJson = wantsJson(request);
  const returnTo = safeReturnTo(fields.returnTo, cfg.baseURL);
  const organizationId = fields.organizationId;
  if (!organizationId || organizationId.length > 256) return json(400, { error: 'invalid_request', description: 'organizationId is required' });
  if (!session.record) {
    return asJson ? json(401, { error: 'unauthenticated' }) : redirect(core.loginPath({ returnTo, organizationId }), 303);
  }
  try {
    await session.switchOrganization(organizationId);
  } catch (error) {
    if (!(error instanceof OrganizationSwitchError)) throw error;
    if (error.reauthenticationRequired) {
      const loginUrl = core.loginPath({ returnTo, organizationId });
      return asJson ? json(401, { error: 'reauthentication_required', organizationId, loginUrl }) : redirect(loginUrl, 303);
    }
    const code = error.isTransient ? 'provider_unavailable' : 'organization_switch_refused';
    if (asJson) return json(error.isTransient ? 503 : 403, { error: code, organizationId, description: error.oauthError });
    const back = new URL(returnTo, cfg.baseURL.origin);
    back.searchParams.set('error', code);
    back.searchParams.set('organizationId', organizationId);
    return redirect(back.pathname + back.search + back.hash, 303);
  }
  return asJson ? json(200, publicView(session.auth)) : redirect(returnTo, 303);
}
