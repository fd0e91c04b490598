/**
 * analyzeReply: one raw email in, what it is and what it decides out. Framework-free and
 * total: hostile input (broken MIME, huge headers, unknown charsets, binary junk) yields
 * kind 'other' with reason 'malformed' instead of an exception, and the work is bounded by
 * `maxBytes` and by the caps of each step (trim.ts, html.ts, reference.ts).
 */
import { simpleParser, type ParsedMail, type SimpleParserOptions } from 'mailparser';
import { classifyMessage, type Classification } from './classify';
import { readDecision } from './decision';
import { firstValue, headerFields, msgIds, referenceIds, type HeaderField } from './headers';
import { htmlFullText, htmlReplyText } from './html';
import { findReference } from './reference';
import { senderProof, type SenderTrust } from './sender-proof';
import { trimReply } from './trim';
import {
  analyzeOptionsSchema,
  noDecision,
  replyAnalysisSchema,
  type AnalyzeOptions,
  type ReplyAnalysis,
} from './types';

const PARSER_OPTIONS: SimpleParserOptions = {
  // HTML is converted here, after the quote containers are removed (html.ts).
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipImageLinks: true,
  keepCidLinks: true,
  // DSN parts and embedded messages stay attachments: their text is not the sender's.
  keepDeliveryStatus: true,
  ignoreEmbedded: true,
  checksumAlgo: false,
  maxHeadSize: 512 * 1024,
  maxChildNodes: 256,
};

/** What is kept of the reply in the result (it is stored with the audit trail). */
const MAX_RESULT_TEXT = 100_000;
const MAX_SUBJECT = 998;
/** Parts of a bounce that quote the original message, where its reference token is. */
const QUOTED_ORIGINAL =
  /^(message\/(rfc822|global|(global-)?delivery-status)|text\/rfc822-headers)$/;
const MAX_ATTACHMENT_SCAN = 256 * 1024;
/**
 * How much of a message is parsed. The decision is the first line of the reply, and the
 * reference is in the threading headers, the subject or the quote right below it: all of it in
 * the first part of any real reply. What follows in a larger message (attachments, a long
 * pasted thread) decides nothing, and parsing it cost seconds for hostile bodies of millions of
 * short lines (mailparser's line splitting and the collector, not our patterns). A reply whose
 * decision is not in the first 2 MB gets no decision: it is quarantined for a person.
 */
export const MAX_READ_BYTES = 2 * 1024 * 1024;

/**
 * The first MAX_READ_BYTES of the message, cut after a line break near the end so that no line
 * is split; a body of one huge line (HTML without line breaks) is cut where the limit falls.
 */
function readablePart(buffer: Buffer): Buffer {
  if (buffer.length <= MAX_READ_BYTES) return buffer;
  const lastBreak = buffer.lastIndexOf(0x0a, MAX_READ_BYTES - 1);
  const nearEnd = lastBreak >= MAX_READ_BYTES - 64 * 1024;
  return buffer.subarray(0, nearEnd ? lastBreak + 1 : MAX_READ_BYTES);
}

/** A message has at least one of these; binary junk parsed as headers has none. */
const KNOWN_HEADERS = new Set(
  'from to cc subject date message-id content-type mime-version in-reply-to references received return-path'.split(
    ' '
  )
);

type Mailbox = { address?: string; name?: string; group?: unknown };

const ADDRESS_IN_TEXT = /[^\s<>"@]+@[^\s<>"@]+/g;

/**
 * The one sender of the message, lowercased, or '' when there is no single provable one:
 * more than one From address or a group ("From: approver@x, attacker@y"), a display name
 * that carries another address ("<approver@x>attacker@evil", which clients and servers read
 * differently), or a Sender that is someone else. '' matches no approver: such a reply is
 * quarantined, never decided.
 */
function senderAddress(parsed: ParsedMail): string {
  const from = (parsed.from?.value ?? []) as Mailbox[];
  if (from.length !== 1 || from[0]!.group !== undefined) return '';
  const address = from[0]!.address;
  if (typeof address !== 'string' || !address.includes('@') || address.length > 320) return '';
  const own = address.trim().toLowerCase();
  const named = (from[0]!.name ?? '').match(ADDRESS_IN_TEXT) ?? [];
  if (named.some((a) => a.toLowerCase() !== own)) return '';
  const sender = parsed.headers.get('sender') as { value?: Mailbox[] } | undefined;
  if (sender?.value?.length) {
    const only = sender.value.length === 1 ? sender.value[0]!.address : undefined;
    if (typeof only !== 'string' || only.trim().toLowerCase() !== own) return '';
  }
  return own;
}

function contentTypeOf(parsed: ParsedMail): { type: string; reportType: string } {
  const header = parsed.headers.get('content-type');
  if (!header || typeof header !== 'object' || !('params' in header)) {
    return { type: 'text/plain', reportType: '' };
  }
  // mailparser types every header value as one union; Content-Type is a StructuredHeader.
  const { value, params } = header as { value?: unknown; params?: Record<string, unknown> };
  const type = typeof value === 'string' ? value.toLowerCase() : 'text/plain';
  const reportType = params?.['report-type'];
  return { type, reportType: typeof reportType === 'string' ? reportType.toLowerCase() : '' };
}

type Body = { reply: string; full: () => string };

/** The text the sender typed, preferring text/plain (as talon does) over HTML. */
function bodyOf(parsed: ParsedMail): Body {
  const plain = typeof parsed.text === 'string' ? parsed.text : '';
  if (plain.trim() !== '' || typeof parsed.html !== 'string') {
    return { reply: trimReply(plain), full: () => plain };
  }
  const html = parsed.html;
  return { reply: trimReply(htmlReplyText(html)), full: () => htmlFullText(html) };
}

function* referenceSources(
  parsed: ParsedMail,
  subject: string,
  body: Body,
  classification: Classification
): Generator<string> {
  yield subject;
  yield body.reply;
  yield body.full();
  if (classification.kind !== 'bounce') return;
  for (const part of parsed.attachments) {
    if (!QUOTED_ORIGINAL.test((part.contentType ?? '').toLowerCase())) continue;
    if (Buffer.isBuffer(part.content)) yield part.content.toString('utf8', 0, MAX_ATTACHMENT_SCAN);
  }
}

function analyzeParsed(
  parsed: ParsedMail,
  ownAddresses: ReadonlySet<string>,
  trust: SenderTrust
): ReplyAnalysis {
  const fields: HeaderField[] = headerFields(parsed.headerLines ?? []);
  if (!fields.some((f) => KNOWN_HEADERS.has(f.name))) return noDecision('other', 'malformed');

  const from = senderAddress(parsed);
  const subject = (typeof parsed.subject === 'string' ? parsed.subject : '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_SUBJECT);
  const { type, reportType } = contentTypeOf(parsed);
  const classification = classifyMessage({
    fields,
    contentType: type,
    reportType,
    partTypes: parsed.attachments.map((a) => (a.contentType ?? '').toLowerCase()),
    from,
    subject,
    ownAddresses,
  });
  const body = bodyOf(parsed);
  const outcome =
    classification.kind === 'reply'
      ? readDecision(body.reply, subject)
      : { decision: null, reason: classification.reason ?? 'malformed' };

  return {
    kind: classification.kind,
    decision: outcome.decision,
    comment: outcome.decision ? outcome.comment.slice(0, MAX_RESULT_TEXT) : '',
    from,
    inReplyTo: msgIds(firstValue(fields, 'in-reply-to'))[0] ?? null,
    references: referenceIds(fields),
    reference: findReference(referenceSources(parsed, subject, body, classification)),
    ...(outcome.decision ? {} : { reason: outcome.reason }),
    messageId: msgIds(firstValue(fields, 'message-id'))[0] ?? null,
    subject,
    text: body.reply.slice(0, MAX_RESULT_TEXT),
    senderProof: senderProof(fields, from, trust),
  };
}

/**
 * Reads one raw email (RFC 5322 bytes, as fetched from IMAP) and says what it is and what
 * it decides. Rejects only for invalid options, which is a programming error.
 */
export async function analyzeReply(
  raw: Buffer | string,
  opts: AnalyzeOptions = {}
): Promise<ReplyAnalysis> {
  const options = analyzeOptionsSchema.parse(opts);
  // A string's UTF-8 size is at least its length: refuse before copying a huge one.
  if (typeof raw === 'string' && raw.length > options.maxBytes) {
    return noDecision('other', 'too-large');
  }
  const buffer = Buffer.isBuffer(raw) ? raw : typeof raw === 'string' ? Buffer.from(raw) : null;
  if (!buffer) return noDecision('other', 'malformed');
  if (buffer.length > options.maxBytes) return noDecision('other', 'too-large');

  const own = new Set(options.ownAddresses.map((a) => a.trim().toLowerCase()).filter(Boolean));
  try {
    const parsed = await simpleParser(readablePart(buffer), PARSER_OPTIONS);
    const result = replyAnalysisSchema.safeParse(analyzeParsed(parsed, own, options.trust));
    return result.success ? result.data : noDecision('other', 'malformed');
  } catch {
    // mailparser rejects on MIME it cannot split (header block over maxHeadSize, too many
    // parts); a pattern or converter failure lands here too. Neither may stop the inbox.
    return noDecision('other', 'malformed');
  }
}
