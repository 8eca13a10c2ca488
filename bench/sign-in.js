// The benchmark scripts' one sign-in: Alice through a server's own /login, the dev provider's
// pages and /callback, over real HTTP; the Cookie header the browser would then send.
import { loginAtProvider } from '../examples/dev-idp/http-login.js';

/** Cookies from a response's Set-Cookie headers into `jar` (a name → value map), deletions included. */
export function take(jar, res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';');
    const i = pair.indexOf('=');
    const name = pair.slice(0, i).trim();
    if (/max-age=0/i.test(attrs.join(';')) || pair.slice(i + 1) === '') jar.delete(name);
    else jar.set(name, pair.slice(i + 1));
  }
}

/** The Cookie header of `jar`. */
export const cookieHeader = (jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** Sign in as Alice at the server at `base`; the Cookie header (checked: `/me` answers 200). */
export async function signIn(base) {
  const jar = new Map();
  const login = await fetch(`${base}/login`, { redirect: 'manual' });
  take(jar, login);
  const { callbackUrl } = await loginAtProvider(login.headers.get('location'), { email: 'alice@example.com', password: 'alice-password' });
  take(jar, await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } }));
  const check = await fetch(`${base}/me`, { headers: { cookie: cookieHeader(jar), accept: 'application/json' } });
  if (check.status !== 200) throw new Error(`sign-in at ${base} did not work: /me answered ${check.status}`);
  take(jar, check); // a server that refreshed on that request rotated the session
  return cookieHeader(jar);
}
