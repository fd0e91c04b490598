/**
 * The Approve / Reject buttons: mailto: links (RFC 6068) that open a reply to the approvals
 * mailbox with the subject (and so the signed `[Ref: APR-…]` token) and the decision on the
 * first line already written, so that an approver on a phone answers with one tap and needs no
 * access to Strapi. Such a reply carries no In-Reply-To or References: the inbox finds its
 * request by the token in the subject (mail/reply/reference.ts), verifies its signature, and
 * reads the decision from the first line like any reply (mail/reply/decision.ts).
 */

/**
 * RFC 6068: the address and each header field value percent-encoded as UTF-8. Only unreserved
 * characters stay as they are (encodeURIComponent also keeps `!*'()`, which are sub-delims the
 * RFC allows in a query but some clients cut links at: those are encoded too). Spaces are
 * %20, never "+", which mailto does not decode.
 */
export function encodeMailtoValue(value: string): string {
  return encodeURIComponent(value).replace(
    /[!*'()]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  );
}

/**
 * `mailto:<to>?subject=…&body=…`. Line breaks of the body are CRLF, as RFC 6068 section 5
 * requires ("%0D%0A"). The "@" of the address stays literal (it is the addr-spec's own).
 */
export function mailtoHref(to: string, fields: { subject: string; body: string }): string {
  const at = to.lastIndexOf('@');
  const address =
    at > 0
      ? `${encodeMailtoValue(to.slice(0, at))}@${encodeMailtoValue(to.slice(at + 1))}`
      : encodeMailtoValue(to);
  const body = fields.body.replace(/\r?\n/g, '\r\n');
  return `mailto:${address}?subject=${encodeMailtoValue(fields.subject)}&body=${encodeMailtoValue(body)}`;
}

/** The reply a button writes: "Re: <subject>", and the decision then an empty line. */
export function decisionReply(
  subject: string,
  decision: 'APPROVE' | 'REJECT'
): { subject: string; body: string } {
  return { subject: `Re: ${subject}`, body: `${decision}\n\n` };
}
