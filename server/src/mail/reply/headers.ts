/**
 * Header reading for the analyser: raw header lines unfolded into name/value pairs, and the
 * threading headers reduced to msg-ids. Works on the raw lines rather than mailparser's parsed
 * map so that repeated headers, unknown headers and broken values are all seen as sent.
 */

export type HeaderField = { name: string; value: string };

/** Odoo's limit: older references add nothing to matching and a hostile list costs work. */
export const MAX_REFERENCES = 32;

/** RFC 5322 caps a line at 998 characters; a msg-id longer than that is not one. */
const MAX_MSG_ID = 998;

/** A well-formed field name; anything else in the header block is noise. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

export function headerFields(lines: ReadonlyArray<{ key: string; line: string }>): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const { line } of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!FIELD_NAME.test(name)) continue;
    const value = line
      .slice(colon + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    fields.push({ name, value });
  }
  return fields;
}

export function firstValue(fields: readonly HeaderField[], name: string): string | null {
  return fields.find((f) => f.name === name)?.value ?? null;
}

export function allValues(fields: readonly HeaderField[], name: string): string[] {
  return fields.filter((f) => f.name === name).map((f) => f.value);
}

/**
 * The msg-ids in a header value, each in its canonical `<id>` form. Clients that drop the
 * angle brackets (seen in the wild on In-Reply-To) get them back so that the value compares
 * equal to the Message-ID we sent.
 */
export function msgIds(value: string | null): string[] {
  if (!value) return [];
  const bracketed = value.match(/<[^<>\s]{1,998}>/g);
  if (bracketed) return bracketed.filter((id) => id.length <= MAX_MSG_ID);
  return value
    .split(/[\s,]+/)
    .filter((token) => /^[^<>\s@]+@[^<>\s@]+$/.test(token) && token.length < MAX_MSG_ID)
    .map((token) => `<${token}>`);
}

/** All References ids (every References header, unfolded), duplicates dropped, last 32 kept. */
export function referenceIds(fields: readonly HeaderField[]): string[] {
  const ids = [...new Set(allValues(fields, 'references').flatMap((v) => msgIds(v)))];
  return ids.slice(-MAX_REFERENCES);
}

/** The first value before any `;` parameters, lowercased: "auto-replied; owner=x" -> "auto-replied". */
export function bareValue(value: string): string {
  return value.split(';')[0].trim().toLowerCase();
}
