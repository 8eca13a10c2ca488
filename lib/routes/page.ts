/**
 * The few pages sessionkit itself shows a person (a failed sign-in, an unreachable provider, the
 * cross-site sign-out question): one small, readable, phone-friendly layout with no external
 * resources. Callers pass text already escaped where it comes from the request.
 *
 * @packageDocumentation
 */

const STYLE = `body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
main{max-width:32rem;margin:4rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #d1d9e0;border-radius:10px;padding:1.5rem;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h1{font-size:1.4rem;margin:0 0 .75rem}p{margin:0 0 1rem}
a.button,button{display:inline-block;font:inherit;font-weight:600;border-radius:8px;padding:.5rem 1rem;border:1px solid #4f46e5;background:#4f46e5;color:#fff;text-decoration:none;cursor:pointer}`;

/** A complete HTML page: a heading, paragraphs of (trusted or escaped) HTML, and an action. */
export function notice(title: string, paragraphs: string[], action: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body><main><div class="card"><h1>${title}</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('')}${action}</div></main></body></html>`;
}
