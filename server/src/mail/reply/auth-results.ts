/**
 * Authentication-Results (RFC 8601) read in one pass: `authserv-id [version]; method=result
 * ptype.property=value …; …`, comments and quoted strings honoured. The header is written by
 * whoever sent the message as much as by the receiving server, so the reader only parses;
 * which header to believe is decided by sender-proof.ts.
 */

export interface AuthResult {
  /** lowercased, version dropped: `dkim`, `dmarc`, `auth`, `spf` */
  method: string;
  /** lowercased: `pass`, `fail`, `none`, … */
  result: string;
  /** lowercased keys (`header.d`, `smtp.auth`, `reason`) to their values, as written */
  props: Record<string, string>;
}

export interface AuthResultsHeader {
  /** lowercased; '' when the header starts with a result (Exchange Online writes it so) */
  authservId: string;
  results: AuthResult[];
}

/** A real header is a few hundred characters; more is noise not worth reading. */
const MAX_HEADER = 8192;

type Token = string | typeof EQ | typeof SEMI;
const EQ = Symbol('=');
const SEMI = Symbol(';');

/** Splits into words, `=` and `;`, dropping comments (nested, with escapes); linear. */
function tokens(value: string): Token[] {
  const out: Token[] = [];
  let word = '';
  let depth = 0;
  let quoted = false;
  const flush = () => {
    if (word !== '') out.push(word);
    word = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && (depth > 0 || quoted)) {
      if (depth === 0) word += value[i + 1] ?? '';
      i++;
    } else if (depth > 0) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
    } else if (quoted) {
      if (c === '"') quoted = false;
      else word += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === '(') {
      flush();
      depth = 1;
    } else if (c === '=' || c === ';') {
      flush();
      out.push(c === '=' ? EQ : SEMI);
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      flush();
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

export function parseAuthResults(raw: string): AuthResultsHeader {
  const list = tokens(raw.slice(0, MAX_HEADER));
  const header: AuthResultsHeader = { authservId: '', results: [] };
  // The authserv-id is the first word unless that word already is a `method=result`.
  let i = 0;
  if (typeof list[0] === 'string' && list[1] !== EQ) {
    header.authservId = list[0].toLowerCase();
    while (i < list.length && list[i] !== SEMI) i++;
  }
  let current: AuthResult | null = null;
  for (; i < list.length; i++) {
    const t = list[i];
    if (t === SEMI) {
      current = null;
      continue;
    }
    if (typeof t !== 'string' || list[i + 1] !== EQ) continue;
    const value = list[i + 2];
    i += 2;
    if (typeof value !== 'string') continue;
    const key = t.toLowerCase();
    if (current === null) {
      current = { method: key.split('/')[0]!, result: value.toLowerCase(), props: {} };
      header.results.push(current);
    } else if (!(key in current.props)) {
      current.props[key] = value;
    }
  }
  return header;
}
