/**
 * Proof that the From address really sent the reply. `From:` alone is forgeable, so a decision
 * needs one of these, written by a server the organisation runs:
 *
 * - `Authentication-Results` (RFC 8601) from the receiving server named by its authserv-id (a
 *   setting; Discourse's `email_in_authserv_id` is the precedent). Only the topmost header with
 *   that id counts: the receiving server adds its own on top, so one lower down came with the
 *   message (RFC 8601 §5 asks the server to remove those; not every server does). It proves the
 *   sender with `dmarc=pass` for the From domain, `dkim=pass` with `header.d` aligned to it, or
 *   `auth=pass` with `smtp.auth` equal to the From address (the approver's own login submitted
 *   it). Any `fail` in that header, or a DMARC result for another domain, is doubt: no proof.
 *
 * - Exchange's `X-MS-Exchange-Organization-AuthAs: Internal`, when the mailbox is on Exchange
 *   (Microsoft 365 or Exchange Server). Exchange's header firewall removes every
 *   `X-MS-Exchange-Organization-*` header from mail that enters the organisation from an
 *   untrusted source, and delivery keeps AuthAs in the mailbox
 *   (https://learn.microsoft.com/en-us/exchange/header-firewall-exchange-2013-help: "Header
 *   firewall prevents the spoofing of these Exchange-related X-headers by removing them from
 *   inbound messages that enter the Exchange organization from untrusted sources"). Elsewhere
 *   anyone can write the header, so it counts only when the setting says the mailbox is on
 *   Exchange. `X-MS-Exchange-CrossTenant-AuthAs` is not covered by the firewall: never trusted.
 *   Exchange Online's own `Authentication-Results` carries no authserv-id, so it cannot be told
 *   apart from a forged one and is never trusted either.
 */
import type { HeaderField } from './headers';
import { parseAuthResults } from './auth-results';

export const SENDER_PROOFS = ['dmarc', 'dkim', 'smtp-auth', 'exchange-internal'] as const;
export type SenderProof = (typeof SENDER_PROOFS)[number];

export interface SenderTrust {
  /** authserv-ids of the organisation's receiving servers, lowercased */
  authservIds: string[];
  /** the mailbox is on Exchange: its organisation headers are filtered at the border */
  exchange: boolean;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/** DKIM alignment (RFC 7489 §3.1.1), relaxed without a public-suffix list: same or parent domain. */
function aligned(fromDomain: string, d: string): boolean {
  const signer = d.trim().toLowerCase().replace(/\.$/, '');
  if (!signer.includes('.')) return false;
  return fromDomain === signer || fromDomain.endsWith(`.${signer}`);
}

/** The proof the message carries for `from` (lowercased address), or null. */
export function senderProof(
  fields: readonly HeaderField[],
  from: string,
  trust: SenderTrust
): SenderProof | null {
  if (!from.includes('@')) return null;
  const fromDomain = domainOf(from);

  const ids = new Set(trust.authservIds);
  for (const field of fields) {
    if (field.name !== 'authentication-results') continue;
    const header = parseAuthResults(field.value);
    if (!header.authservId || !ids.has(header.authservId)) continue;
    // The topmost header of our server decides, pass or not.
    const results = header.results;
    if (results.some((r) => r.result === 'fail' || r.result === 'permerror')) return null;
    const dmarc = results.filter((r) => r.method === 'dmarc' && r.result === 'pass');
    if (dmarc.some((r) => (r.props['header.from'] ?? fromDomain).toLowerCase() === fromDomain))
      return 'dmarc';
    const dkim = results.filter((r) => r.method === 'dkim' && r.result === 'pass');
    if (dkim.some((r) => aligned(fromDomain, r.props['header.d'] ?? ''))) return 'dkim';
    const auth = results.filter((r) => r.method === 'auth' && r.result === 'pass');
    if (auth.some((r) => (r.props['smtp.auth'] ?? '').trim().toLowerCase() === from))
      return 'smtp-auth';
    return null;
  }

  if (trust.exchange) {
    const authAs = fields.filter((f) => f.name === 'x-ms-exchange-organization-authas');
    if (authAs.length === 1 && authAs[0]!.value.trim().toLowerCase() === 'internal')
      return 'exchange-internal';
  }
  return null;
}
