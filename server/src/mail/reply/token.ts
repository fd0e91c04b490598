/**
 * The signed reference of an approval email. Each approver of a request gets their own:
 * `APR-<request>-<approver>-<signature>`, also encoded in the Message-ID
 * `<apr.<request>.<approver>.<signature>@domain>`. The signature (HMAC-SHA256 over request,
 * approver index and address, truncated to 80 bits) makes a forged or altered reference match
 * nothing, and binds a reference to one approver's address.
 */
import crypto from 'node:crypto';

export type ApprovalRef = { requestId: number; approver: number };

const SIGNATURE_CHARS = 16; // base32 characters = 80 bits

function signature(key: Buffer, ref: ApprovalRef, address: string): string {
  const mac = crypto
    .createHmac('sha256', key)
    .update(`${ref.requestId}.${ref.approver}.${address.trim().toLowerCase()}`)
    .digest();
  return base32(mac).slice(0, SIGNATURE_CHARS);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export function referenceFor(key: Buffer, ref: ApprovalRef, address: string): string {
  return `APR-${ref.requestId}-${ref.approver}-${signature(key, ref, address)}`;
}

export function messageIdFor(
  key: Buffer,
  ref: ApprovalRef,
  address: string,
  domain: string
): string {
  return `<apr.${ref.requestId}.${ref.approver}.${signature(key, ref, address)}@${domain}>`;
}

const MAX_ID = 2 ** 31 - 1;
const REF = /^APR-(\d{1,12})-(\d{1,4})-([a-z2-7]{16})$/i;
const MSGID = /^<?apr\.(\d{1,12})\.(\d{1,4})\.([a-z2-7]{16})@[^>]+>?$/i;

/** Parses a reference or one of our Message-IDs; the signature is checked by `verify`. */
export function parseRef(text: string): (ApprovalRef & { signature: string }) | null {
  const m = REF.exec(text.trim()) ?? MSGID.exec(text.trim());
  if (!m) return null;
  const requestId = Number(m[1]);
  // Request ids are database integers: a larger one is forged, and would fail the lookup.
  if (requestId > MAX_ID) return null;
  return { requestId, approver: Number(m[2]), signature: m[3]!.toLowerCase() };
}

/** Constant-time check that the signature was made by us for this approver's address. */
export function verifyRef(
  key: Buffer,
  parsed: ApprovalRef & { signature: string },
  address: string
): boolean {
  const expected = Buffer.from(signature(key, parsed, address));
  const given = Buffer.from(parsed.signature);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

const REF_IN_TEXT = /(APR-\d{1,12}-\d{1,4}-)[a-z2-7]{16}/gi;
const MSGID_IN_TEXT = /(apr\.\d{1,12}\.\d{1,4}\.)[a-z2-7]{16}(?=@)/gi;

/**
 * The text with every signature of a reference or Message-ID replaced by `…`. What is logged
 * or listed for people (delivery log, inbound messages) keeps the request and approver numbers
 * but not the signature: together with a forged From, a reference is half of a decision.
 */
export function redactRefs(text: string): string;
export function redactRefs(text: string | undefined): string | undefined;
export function redactRefs(text: string | undefined): string | undefined {
  return text?.replace(REF_IN_TEXT, '$1…').replace(MSGID_IN_TEXT, '$1…');
}
