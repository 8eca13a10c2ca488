// HTML pages of the development identity provider. No scripts except the logout auto-submit.

import { DEMO_USERS, ORGANIZATIONS } from './accounts.js';

/** @param {unknown} value */
export function escapeHtml(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1f2328}
  main{max-width:420px;margin:48px auto;padding:0 16px}
  .card{background:#fff;border:1px solid #d8dee4;border-radius:10px;padding:28px;box-shadow:0 1px 3px rgba(0,0,0,.05)}
  h1{font-size:22px;margin:0 0 4px}
  .sub{color:#59636e;margin:0 0 20px;font-size:14px}
  label{display:block;font-weight:600;font-size:13px;margin:14px 0 4px}
  input[type=email],input[type=password]{width:100%;padding:9px 11px;border:1px solid #d0d7de;border-radius:6px;font:inherit}
  input:focus{outline:2px solid #0969da;outline-offset:-1px}
  button{margin-top:20px;width:100%;padding:10px;border:0;border-radius:6px;background:#1f6feb;color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer}
  button:hover{background:#1a5fd0}
  button.link{background:none;color:#59636e;font-weight:400;margin-top:8px;padding:4px}
  .error{background:#ffebe9;border:1px solid #ff818266;color:#82071e;border-radius:6px;padding:8px 12px;font-size:14px}
  .note{background:#ddf4ff;border:1px solid #54aeff66;border-radius:6px;padding:8px 12px;font-size:14px;margin-bottom:8px}
  .demo{margin-top:20px;font-size:13px}
  .demo h2{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#59636e;margin:0 0 6px}
  table{width:100%;border-collapse:collapse}
  td{padding:5px 4px;border-top:1px solid #eaeef2;vertical-align:top}
  code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px}
  .orgs{color:#59636e}
  footer{text-align:center;color:#8c959f;font-size:12px;margin-top:16px}
`;

/**
 * @param {string} title
 * @param {string} body
 */
function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<footer>sessionkit development identity provider — demo accounts only</footer>
</main>
</body>
</html>`;
}

/**
 * @param {string} id
 * @param {readonly import('./accounts.js').Organization[]} organizations
 */
const orgName = (id, organizations) => organizations.find((o) => o.id === id)?.name ?? id;

/**
 * @param {readonly import('./accounts.js').DemoUser[]} users
 * @param {readonly import('./accounts.js').Organization[]} organizations
 */
function demoAccounts(users, organizations) {
  const rows = users.map((u) => {
    const orgs = u.memberships.length
      ? u.memberships.map((m) => `${escapeHtml(orgName(m.organizationId, organizations))} (${escapeHtml(m.role)})`).join(', ')
      : 'no organization';
    return `<tr><td><code>${escapeHtml(u.email)}</code><br><span class="orgs">${orgs}</span></td><td><code>${escapeHtml(u.password)}</code></td></tr>`;
  }).join('\n');
  return `<section class="demo"><h2>Demo accounts</h2><table>${rows}</table></section>`;
}

/**
 * @param {object} options
 * @param {string} options.uid interaction id
 * @param {boolean} options.signUp show "Create account" instead of "Sign in"
 * @param {string} [options.email] prefilled email
 * @param {string} [options.error]
 * @param {string} [options.clientName]
 * @param {string} [options.organizationId] organization requested by the application
 * @param {boolean} [options.reauthentication] the organization asks for a fresh sign-in
 * @param {readonly import('./accounts.js').DemoUser[]} [options.users] the accounts listed (default the demo accounts)
 * @param {readonly import('./accounts.js').Organization[]} [options.organizations] their organizations' names
 */
export function loginPage({ uid, signUp, email, error, clientName, organizationId, reauthentication, users = DEMO_USERS, organizations = ORGANIZATIONS }) {
  const title = signUp ? 'Create account' : 'Sign in';
  const notes = [];
  if (organizationId) {
    notes.push(reauthentication
      ? `${escapeHtml(orgName(organizationId, organizations))} requires you to sign in again.`
      : `Signing in to ${escapeHtml(orgName(organizationId, organizations))}.`);
  }
  if (signUp) notes.push('This development provider cannot create accounts; sign in with a demo account.');
  const action = `/interaction/${encodeURIComponent(uid)}`;
  return page(title, `<div class="card">
<h1>${title}</h1>
<p class="sub">${clientName ? `to continue to <strong>${escapeHtml(clientName)}</strong>` : 'to continue'}</p>
${notes.map((n) => `<p class="note">${n}</p>`).join('\n')}
${error ? `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${action}/login" autocomplete="off">
<label for="email">Email</label>
<input id="email" name="email" type="email" required autofocus value="${escapeHtml(email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button id="sign-in" type="submit">${signUp ? 'Create account' : 'Sign in'}</button>
</form>
<form method="post" action="${action}/abort"><button id="cancel" class="link" type="submit">Cancel</button></form>
${demoAccounts(users, organizations)}
</div>`);
}

/**
 * The demo second factor (step-up to `urn:sessionkit:dev:mfa`): a one-time code field. The dev
 * IdP accepts one fixed code, shown on the page: a demo, not a second factor.
 * @param {{ uid: string, code: string, error?: string }} options
 */
export function secondFactorPage({ uid, code, error }) {
  const action = `/interaction/${encodeURIComponent(uid)}/second-factor`;
  return page('Second factor', `<div class="card">
<h1>Second factor</h1>
<p class="sub">This page asks for a stronger sign-in.</p>
${error ? `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${action}" autocomplete="off">
<label for="code">One-time code</label>
<input id="code" name="code" type="text" inputmode="numeric" required autofocus>
<button id="verify" type="submit">Verify</button>
</form>
<form method="post" action="/interaction/${encodeURIComponent(uid)}/abort"><button id="cancel" class="link" type="submit">Cancel</button></form>
<p class="note">Demo: the code is <code id="demo-code">${escapeHtml(code)}</code>.</p>
</div>`);
}

/**
 * @param {string} title
 * @param {string} message
 * @param {Record<string, unknown>} [details]
 */
export function messagePage(title, message, details = {}) {
  const rows = Object.entries(details)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><td><code>${escapeHtml(k)}</code></td><td>${escapeHtml(v)}</td></tr>`)
    .join('');
  return page(title, `<div class="card"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${rows ? `<table>${rows}</table>` : ''}</div>`);
}

/**
 * The logout confirmation: oidc-provider's form plus `logout=yes`, submitted automatically.
 * A plain HTTP client completes it by POSTing the form's hidden inputs to its action.
 * @param {string} form oidc-provider's `<form id="op.logoutForm">` with the xsrf input
 */
export function logoutPage(form) {
  const withLogout = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
  return page('Signing out', `<div class="card">
<h1>Signing out…</h1>
${withLogout}
<noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
<script>document.getElementById('op.logoutForm').submit()</script>
</div>`);
}
