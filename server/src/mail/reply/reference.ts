/**
 * The approval reference token carried in the subject and body of every approval request
 * ("Ref: APR-<requestId>-<approverIndex>-<hmac>"). Finding it here is only a lookup key: the
 * approvals service verifies the HMAC, so a forged or altered token matches nothing.
 */

/**
 * One token (`APR-<request>-<approver>-<16 base32 characters>`, reply/token.ts). The pattern
 * is wider than the format on purpose: a run of token characters is taken whole (the
 * look-behind and look-ahead stand in for `\b`, which would stop at "-") and then parsed
 * strictly, and a run longer than 200 characters is refused rather than cut to a prefix that
 * might happen to be valid.
 */
export const REFERENCE_PATTERN = /(?<![A-Za-z0-9_])APR-[A-Za-z0-9_-]{6,200}(?![A-Za-z0-9_-])/;

const ALL_REFERENCES = new RegExp(REFERENCE_PATTERN.source, 'g');

/** Tokens are short; a source is only scanned this far, which bounds the work on huge bodies. */
const MAX_SCAN_CHARS = 1024 * 1024;

/** Distinct tokens in one source, in order of appearance. */
export function referencesIn(source: string): string[] {
  const found = source.slice(0, MAX_SCAN_CHARS).match(ALL_REFERENCES) ?? [];
  return [...new Set(found)];
}

/**
 * The token from the first source that holds any. A source holding two different tokens is
 * ambiguous: the answer is null and later sources are not consulted, because falling through
 * would pick one of them by accident (ServiceNow's "several record numbers" pitfall).
 * Sources may come from a generator, so that costly ones are only built when needed.
 */
export function findReference(sources: Iterable<string>): string | null {
  for (const source of sources) {
    const tokens = referencesIn(source);
    if (tokens.length === 1) return tokens[0];
    if (tokens.length > 1) return null;
  }
  return null;
}
