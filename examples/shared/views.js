// HTML views of the sessionkit example apps. Pure functions: (data) => HTML string.
// No framework imports here, so the Express and Koa examples can share them.
//
// `auth` below is sessionkit's view of the session (`req.auth` in Express, `ctx.state.auth` in
// Koa). Token values are never rendered: only the access token's expiry time.

/**
 * Escapes text for HTML element content and quoted attribute values.
 * @param {unknown} value
 * @returns {string}
 */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Alias used inside templates. */
const e = escapeHtml;

/** Plain-language explanations of the `?error=` codes sessionkit sends back to forms. */
const ERROR_MESSAGES = {
  organization_switch_refused:
    'You are not a member of that organization, so the switch was refused. You are still in the same organization as before.',
  provider_unavailable:
    'The identity provider could not be reached, so nothing was changed. Please try again in a moment.',
};

/**
 * A visible error banner for a `?error=` code, or '' when there is none.
 * @param {string | undefined | null} code
 */
export function errorBanner(code) {
  if (!code) return '';
  const message = ERROR_MESSAGES[/** @type {keyof typeof ERROR_MESSAGES} */ (code)] ?? 'Something went wrong. Please try again.';
  return `<div id="error" class="banner banner-error" role="alert"><strong>That did not work.</strong> ${e(message)}</div>`;
}

const STYLE = `
  :root { --fg:#1f2328; --muted:#59636e; --bg:#f6f8fa; --card:#fff; --line:#d1d9e0; --accent:#4f46e5; --accent-fg:#fff; --danger:#b42318; --danger-bg:#fef3f2; }
  * { box-sizing: border-box; }
  body { margin:0; font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--fg); background:var(--bg); }
  header { background:#111827; color:#fff; }
  header .bar { max-width:52rem; margin:0 auto; padding:.75rem 1.25rem; display:flex; align-items:center; gap:1.25rem; }
  header .brand { font-weight:700; color:#fff; text-decoration:none; letter-spacing:.01em; }
  header nav { display:flex; gap:1rem; flex:1; }
  header nav a { color:#c7d2fe; text-decoration:none; }
  header nav a:hover { color:#fff; text-decoration:underline; }
  header .who { color:#9ca3af; font-size:.875rem; }
  header .button { padding:0 .75rem; font-size:.875rem; line-height:22px; }
  main { max-width:52rem; margin:2rem auto; padding:0 1.25rem; }
  h1 { font-size:1.75rem; margin:0 0 1rem; }
  h2 { font-size:1.125rem; margin:0 0 .75rem; }
  .card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:1.25rem 1.5rem; margin-bottom:1.25rem; box-shadow:0 1px 2px rgba(0,0,0,.04); }
  .card > :first-child { margin-top:0; }
  .card > :last-child { margin-bottom:0; }
  .muted { color:var(--muted); }
  dl { display:grid; grid-template-columns:max-content 1fr; gap:.4rem 1.25rem; margin:0; }
  dt { color:var(--muted); font-weight:500; }
  dd { margin:0; word-break:break-word; }
  code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:.9em; }
  .tag { display:inline-block; background:#eef2ff; color:#3730a3; border-radius:999px; padding:0 .6rem; margin:0 .25rem .25rem 0; font-size:.85rem; }
  .none { color:var(--muted); font-style:italic; }
  .actions { display:flex; flex-wrap:wrap; gap:.75rem; align-items:center; }
  .button, button { display:inline-block; font:inherit; font-weight:600; border-radius:8px; padding:.5rem 1rem; border:1px solid var(--accent); background:var(--accent); color:var(--accent-fg); text-decoration:none; cursor:pointer; }
  .button.secondary, button.secondary { background:#fff; color:var(--accent); }
  button.danger { background:#fff; color:var(--danger); border-color:var(--danger); }
  .button:hover, button:hover { filter:brightness(1.08); }
  form.inline { display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; margin:0; }
  select { font:inherit; padding:.45rem .6rem; border-radius:8px; border:1px solid var(--line); background:#fff; }
  .banner { border-radius:10px; padding:.85rem 1.1rem; margin-bottom:1.25rem; }
  .banner-error { background:var(--danger-bg); color:var(--danger); border:1px solid #fecdca; }
  .expired { color:var(--danger); }
  footer { max-width:52rem; margin:0 auto 2rem; padding:0 1.25rem; color:var(--muted); font-size:.85rem; }
  .tag { white-space:nowrap; }
  header .who { min-width:0; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; max-width:16rem; }
  @media (max-width: 40rem) {
    header .bar { flex-wrap:wrap; gap:.5rem 1rem; padding:.6rem 1rem; }
    header nav { order:3; flex-basis:100%; gap:1.25rem; }
    header .who, header .button { margin-left:auto; max-width:60vw; }
    main { margin:1.25rem auto; padding:0 .75rem; }
    .card { padding:1rem; }
    dl { grid-template-columns:1fr; gap:.1rem; }
    dd { margin-bottom:.5rem; }
    h1 { font-size:1.4rem; }
  }
`;

/**
 * The shared page layout.
 * @param {{ title: string, body: string, auth?: any }} data
 * @returns {string}
 */
export function layout({ title, body, auth }) {
  const who = auth?.isAuthenticated
    ? `<span class="who">${e(auth.user?.email ?? auth.user?.name ?? auth.user?.id ?? '')}</span>`
    : `<a class="button secondary" href="/login">Sign in</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} · sessionkit example</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header><div class="bar">
  <a class="brand" href="/">sessionkit example</a>
  <nav><a href="/">Home</a><a href="/dashboard">Dashboard</a>${auth?.permissions?.includes('members:manage') ? '<a href="/admin">Admin</a>' : ''}</nav>
  ${who}
</div></header>
<main>
${body}
</main>
<footer>Sessions are sealed in an HttpOnly cookie; tokens never reach this page.</footer>
</body>
</html>`;
}

/**
 * Finds an organization's display name.
 * @param {readonly { id: string, name: string }[]} organizations
 * @param {string | undefined} id
 */
function organizationName(organizations, id) {
  if (!id) return undefined;
  return organizations.find((o) => o.id === id)?.name;
}

/** @param {string[] | undefined} list */
function tags(list) {
  if (!list || list.length === 0) return '<span class="none">none</span>';
  return list.map((item) => `<span class="tag">${e(item)}</span>`).join('');
}

/**
 * The organization switcher: a form POST to /switch-org.
 * @param {{ organizations: readonly { id: string, name: string }[], currentOrganizationId?: string, returnTo: string }} data
 */
export function orgSwitcher({ organizations, currentOrganizationId, returnTo }) {
  const options = organizations
    .map((o) => `<option value="${e(o.id)}"${o.id === currentOrganizationId ? ' selected' : ''}>${e(o.name)} (${e(o.id)})</option>`)
    .join('');
  return `<form class="inline" method="post" action="/switch-org">
  <label for="org-select">Organization</label>
  <select id="org-select" name="organizationId">${options}</select>
  <input type="hidden" name="returnTo" value="${e(returnTo)}">
  <button id="switch-org" type="submit" class="secondary">Switch</button>
</form>`;
}

/** The sign-out button: a form POST to /logout. */
export function signOutButton() {
  return `<form class="inline" method="post" action="/logout"><button id="sign-out" type="submit" class="danger">Sign out</button></form>`;
}

/**
 * The access token's expiry, counting down live in the browser. Uses the server's clock as the
 * reference so a skewed client clock does not matter.
 * @param {number | undefined} expiresAt Unix seconds
 * @param {number} now Unix seconds on the server
 */
export function expiryCountdown(expiresAt, now = Math.floor(Date.now() / 1000)) {
  if (!expiresAt) return '<span class="none">unknown</span>';
  const iso = new Date(expiresAt * 1000).toISOString();
  return `<span id="expires-in" data-expires-at="${e(expiresAt)}" data-server-now="${e(now)}">${e(Math.max(0, expiresAt - now))} s</span>
<span class="muted">(at <time datetime="${e(iso)}">${e(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time>)</span>
<script>
(() => {
  const el = document.getElementById('expires-in');
  const expiresAt = Number(el.dataset.expiresAt);
  const skew = Number(el.dataset.serverNow) - Date.now() / 1000;
  const tick = () => {
    const left = Math.floor(expiresAt - (Date.now() / 1000 + skew));
    if (left <= 0) {
      el.textContent = 'expired — the next request refreshes it';
      el.classList.add('expired');
      return;
    }
    const m = Math.floor(left / 60), s = left % 60;
    el.textContent = (m ? m + ' min ' : '') + s + ' s';
    setTimeout(tick, 1000);
  };
  tick();
})();
</script>`;
}

/**
 * The session details shared by the home page and the dashboard.
 * @param {any} auth
 * @param {readonly { id: string, name: string }[]} organizations
 */
function sessionDetails(auth, organizations) {
  const user = auth.user ?? {};
  const orgId = auth.organizationId;
  const orgName = organizationName(organizations, orgId);
  const org = orgId
    ? `<span id="org-name" data-org-id="${e(orgId)}">${e(orgName ?? orgId)}</span> <code class="muted">${e(orgId)}</code>`
    : `<span id="org-name" data-org-id="" class="none">no organization</span>`;
  return `<dl>
  <dt>Name</dt><dd id="user-name">${e(user.name ?? [user.firstName, user.lastName].filter(Boolean).join(' ') ?? '')}</dd>
  <dt>Email</dt><dd id="user-email">${e(user.email ?? '')}</dd>
  <dt>Organization</dt><dd>${org}</dd>
  <dt>Role</dt><dd id="role">${auth.role ? e(auth.role) : '<span class="none">none</span>'}</dd>
  <dt>Permissions</dt><dd id="permissions">${tags(auth.permissions)}</dd>
  <dt>Feature flags</dt><dd id="feature-flags">${tags(auth.featureFlags)}</dd>
  ${auth.impersonator ? `<dt>Impersonated by</dt><dd id="impersonator">${e(auth.impersonator.email)}${auth.impersonator.reason ? ` — ${e(auth.impersonator.reason)}` : ''}</dd>` : ''}
  <dt>Access token expires in</dt><dd>${expiryCountdown(auth.expiresAt)}</dd>
</dl>`;
}

/**
 * The home page, signed in or out.
 * @param {{ auth: any, organizations?: readonly { id: string, name: string }[], error?: string, returnTo?: string }} data
 */
export function homePage({ auth, organizations = [], error, returnTo = '/' }) {
  if (!auth?.isAuthenticated) {
    return layout({
      title: 'Welcome',
      auth,
      body: `${errorBanner(error)}
<div id="signed-out">
  <h1>Welcome</h1>
  <div class="card">
    <p>This small app shows <strong>sessionkit</strong> signing users in with an OpenID Connect provider,
    keeping the session in a sealed cookie, refreshing tokens before they expire, and switching between organizations.</p>
    <p class="muted">You are signed out.</p>
    <div class="actions">
      <a id="sign-in" class="button" href="/login?returnTo=%2Fdashboard">Sign in</a>
      <a id="sign-up" class="button secondary" href="/login?screenHint=sign-up">Create account</a>
    </div>
  </div>
</div>`,
    });
  }
  const first = auth.user?.firstName ?? auth.user?.name ?? 'there';
  return layout({
    title: 'Home',
    auth,
    body: `${errorBanner(error)}
<div id="signed-in">
  <h1>Hello, ${e(first)}</h1>
  <div class="card">
    <h2>Your session</h2>
    ${sessionDetails(auth, organizations)}
  </div>
  <div class="card">
    <h2>Switch organization</h2>
    ${orgSwitcher({ organizations, currentOrganizationId: auth.organizationId, returnTo })}
  </div>
  <div class="card actions">
    <a id="dashboard-link" class="button" href="/dashboard">Go to the dashboard</a>
    <a class="button secondary" href="/api/me">/api/me (JSON)</a>
    ${signOutButton()}
  </div>
</div>`,
  });
}

/**
 * The dashboard (signed in only).
 * @param {{ auth: any, organizations?: readonly { id: string, name: string }[], error?: string, returnTo?: string }} data
 */
export function dashboardPage({ auth, organizations = [], error, returnTo = '/dashboard' }) {
  return layout({
    title: 'Dashboard',
    auth,
    body: `${errorBanner(error)}
<div id="signed-in">
  <h1>Dashboard</h1>
  <div class="card">
    ${sessionDetails(auth, organizations)}
  </div>
  <div class="card">
    <h2>Switch organization</h2>
    ${orgSwitcher({ organizations, currentOrganizationId: auth.organizationId, returnTo })}
  </div>
  <div class="card actions">
    <a class="button secondary" href="/admin">Admin area</a>
    <span class="muted">needs the <code>members:manage</code> permission (403 otherwise)</span>
    ${signOutButton()}
  </div>
</div>`,
  });
}

/**
 * The admin page (signed in with `members:manage`).
 * @param {{ auth: any, organizations?: readonly { id: string, name: string }[] }} data
 */
export function adminPage({ auth, organizations = [] }) {
  const orgId = auth.organizationId;
  return layout({
    title: 'Admin',
    auth,
    body: `<div id="signed-in">
  <h1>Admin</h1>
  <div class="card" id="admin">
    <p>You can manage the members of
    <strong>${e(organizationName(organizations, orgId) ?? orgId ?? 'this organization')}</strong>:
    your access token carries the <code>members:manage</code> permission.</p>
    <p class="muted">Switch to an organization where you are not an admin and this page answers 403.</p>
    <a class="button secondary" href="/dashboard">Back to the dashboard</a>
  </div>
</div>`,
  });
}

/**
 * The page for a request `requireAuth()` refused while signed in (403): what was missing, in words.
 * @param {{ auth: any, organizations?: readonly { id: string, name: string }[], missing: { permissions: string[], roles: string[], organization: boolean } }} data
 */
export function forbiddenPage({ auth, organizations = [], missing }) {
  const needs = [
    ...missing.permissions.map((p) => `the <code>${e(p)}</code> permission`),
    ...(missing.roles.length ? [`one of the roles ${missing.roles.map((r) => `<code>${e(r)}</code>`).join(', ')}`] : []),
    ...(missing.organization ? ['an organization'] : []),
  ];
  const where = organizationName(organizations, auth.organizationId) ?? auth.organizationId;
  return layout({
    title: 'Not allowed',
    auth,
    body: `<div id="forbidden">
  <h1>You can't open this page</h1>
  <div class="card">
    <p>It needs ${needs.join(' and ')}${where ? `, which you do not have in <strong>${e(where)}</strong>` : ''}.</p>
    <p class="muted">An admin of your organization can grant it, or switch to an organization where you have it.</p>
    <a class="button secondary" href="/dashboard">Back to the dashboard</a>
  </div>
</div>`,
  });
}

/**
 * The current page without `error` and `organizationId` (what a refused switch adds), for the
 * organization switcher's `returnTo`: a banner does not come back after the next switch.
 * @param {string} originalUrl path and query as the request had them
 */
export function returnToOf(originalUrl) {
  const url = new URL(originalUrl, 'http://app.invalid');
  url.searchParams.delete('error');
  url.searchParams.delete('organizationId');
  return url.pathname + url.search;
}

/**
 * The `?error=` code sessionkit sent back, when there is one.
 * @param {unknown} value
 */
export function errorOf(value) {
  return typeof value === 'string' ? value : undefined;
}
