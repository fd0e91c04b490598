/**
 * The few primitives every part of the request email is built from. The entry is written by
 * someone who may be hostile (any editor can type into it, and the email goes to the people
 * who may publish), so nothing of it reaches the HTML unescaped, no link of it goes anywhere
 * but the web or a mail address, and nothing of it can look like our approval reference.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Schemes a link of the entry may keep: anything else (javascript:, data:, file:) is text. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * The URL when it is absolute and its scheme is http, https or mailto, else null. Parsed with
 * WHATWG URL, as a browser would, so "java\tscript:" or "JAVASCRIPT:" cannot slip through a
 * prefix test; the serialised form is returned (percent-encoded, no raw quotes or spaces).
 */
export function safeUrl(raw: unknown, base?: string): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return null;
  let url: URL;
  try {
    url = base ? new URL(raw, base) : new URL(raw);
  } catch {
    return null;
  }
  return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
}

/**
 * The inbox finds a reply's request by the first `APR-…` token in it (mail/reply/reference.ts),
 * and a text holding two tokens matches nothing. A word joiner after "APR" keeps a token typed
 * into the entry from ever counting as one, and is invisible to the reader.
 */
export function defuseReferences(text: string): string {
  return text.replace(/APR-/gi, (m) => `${m.slice(0, 3)}\u2060-`);
}

/** A cut value: the kept text and how many characters were left out (0 when whole). */
export interface Cut {
  text: string;
  more: number;
}

/**
 * The first `max` characters, cut at the last blank of the final tenth when there is one so
 * that no word is split; never in the middle of a surrogate pair.
 */
export function cutText(text: string, max: number): Cut {
  if (text.length <= max) return { text, more: 0 };
  let end = max;
  const blank = text.lastIndexOf(' ', max);
  if (blank > max * 0.9) end = blank;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return { text: text.slice(0, end).trimEnd(), more: text.length - end };
}
