// Reading the forms of the dev IdP's HTML pages (http-login.js): just enough HTML for its own pages.

/**
 * Decodes the character references of HTML text (named: amp, lt, gt, quot, apos; numeric).
 * @param {string} s
 */
export function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    return String.fromCodePoint(k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10));
  });
}

/** @param {string} tag @param {string} name */
function attribute(tag, name) {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return m ? decodeEntities(m[2] ?? m[3] ?? '') : undefined;
}

/**
 * The forms of an HTML page: action, method, and named inputs with their values.
 * @param {string} html
 * @param {string} base URL the page came from
 */
export function parseForms(html, base) {
  const forms = [];
  const re = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const [, attrs, inner] = m;
    /** @type {Record<string, string>} */
    const fields = {};
    /** @type {Record<string, string>} */
    const types = {};
    for (const input of inner.match(/<input\b[^>]*>/gi) ?? []) {
      const name = attribute(input, 'name');
      if (name === undefined) continue;
      fields[name] = attribute(input, 'value') ?? '';
      types[name] = (attribute(input, 'type') ?? 'text').toLowerCase();
    }
    forms.push({
      id: attribute(` ${attrs}`, 'id'),
      action: new URL(attribute(` ${attrs}`, 'action') ?? base, base).href,
      method: (attribute(` ${attrs}`, 'method') ?? 'get').toUpperCase(),
      fields,
      types,
    });
  }
  return forms;
}
