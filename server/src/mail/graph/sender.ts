/**
 * Sending through Microsoft Graph, for tenants that keep SMTP AUTH off.
 *
 * The message is composed once as MIME (by nodemailer, as for SMTP) and sent with
 * `POST /users/{mailbox}/sendMail` as base64 MIME: Graph keeps the MIME headers, so the
 * Message-ID, In-Reply-To and References the approval protocol relies on arrive as composed
 * (https://learn.microsoft.com/graph/api/user-sendmail, "send mail in MIME format").
 *
 * A request may not exceed 4 MB, and base64 grows MIME by a third. A larger message goes as a
 * draft instead: the JSON message (subject, body, recipients, reply-to, `x-` headers — Graph
 * takes no other custom header, and assigns its own Message-ID, which the result reports), each
 * attachment from 3 MB uploaded in chunks through an upload session and smaller ones in one
 * request, then `send`; a draft that cannot be sent is deleted
 * (https://learn.microsoft.com/graph/outlook-large-attachments).
 */
import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser, type AddressObject } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser';
import { withComposed, type ComposedMessage } from '../compose';
import { MailError } from '../errors';
import { parseMessage, toNodemailer, type OutgoingMessage } from '../message';
import type { TlsSettings } from '../types';
import { accessOf, createGraphClient, withToken, type GraphAuth, type GraphClient } from './http';

/** The largest MIME sent in one request: its base64 stays under Graph's 4 MB. */
export const MIME_LIMIT = 3 * 1024 * 1024 - 64 * 1024;
/** Attachments from this size go through an upload session (Graph's lower bound). */
const UPLOAD_FROM = 3 * 1024 * 1024;
/** Upload chunks: a multiple of 320 KiB under 4 MB, as Graph asks. */
const CHUNK = 10 * 320 * 1024;

export interface GraphSenderConfig {
  host: string;
  /** the mailbox that sends: an address or a user id */
  mailbox: string;
  auth: GraphAuth;
  tls?: TlsSettings;
  timeoutMs: number;
}

export interface GraphSendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
  /** 'mime' (headers kept) or 'draft' (over the MIME limit; Graph's own Message-ID) */
  via: 'mime' | 'draft';
}

type Address = string | { name?: string; address: string };

export function createGraphSender(config: GraphSenderConfig) {
  const client: GraphClient = createGraphClient({
    ...config,
    access: accessOf(config.auth, 'Mail.Send'),
  });
  const user = `/users/${encodeURIComponent(config.mailbox)}`;
  let inFlight = 0;
  let closed = false;
  const call = <T>(work: (token: string) => Promise<T>) => withToken(config.auth, work);

  /**
   * The MIME as Graph takes it. A composed message carries no Bcc header (it is only in the
   * envelope, as SMTP needs: kept that way in the outbox, whichever transport sends it later),
   * but Graph reads every recipient from the headers: the Bcc recipients are put back in a
   * Bcc header, which Graph does not pass on.
   */
  async function sendComposedMime(composed: ComposedMessage): Promise<GraphSendResult> {
    const bcc = hiddenRecipients(composed);
    const header = bcc.length ? Buffer.from(`Bcc: ${bcc.join(',\r\n ')}\r\n`, 'latin1') : null;
    await sendMime(header ? Buffer.concat([header, composed.raw]) : composed.raw);
    return {
      messageId: composed.messageId,
      accepted: composed.envelope.to,
      rejected: [],
      response: '202 Accepted',
      via: 'mime',
    };
  }

  /** MIME up to the limit; over it a draft, from the fields `draftOf` gives. */
  async function sendComposed(
    composed: ComposedMessage,
    draftOf: () => Promise<ReturnType<typeof toNodemailer>>
  ): Promise<GraphSendResult> {
    if (composed.raw.length <= MIME_LIMIT) return sendComposedMime(composed);
    const assigned = await sendDraft(await draftOf());
    return {
      messageId: assigned ?? composed.messageId,
      accepted: composed.envelope.to,
      rejected: [],
      response: '202 Accepted',
      via: 'draft',
    };
  }

  async function sendMime(raw: Buffer) {
    await call((token) =>
      client.request({
        method: 'POST',
        path: `${user}/sendMail`,
        token,
        body: raw.toString('base64'),
        contentType: 'text/plain',
      })
    );
  }

  /** Over the MIME limit: a draft, its attachments (small ones inline, large ones uploaded), send. */
  async function sendDraft(message: ReturnType<typeof toNodemailer>): Promise<string | undefined> {
    const recipients = (v: unknown) =>
      (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((a: Address) =>
        typeof a === 'string'
          ? { emailAddress: { address: /<([^<>]+)>\s*$/.exec(a)?.[1] ?? a.trim() } }
          : { emailAddress: { address: a.address, name: a.name || undefined } }
      );
    const headers = Object.entries((message.headers ?? {}) as Record<string, string>)
      .filter(([name]) => /^x-/i.test(name))
      .map(([name, value]) => ({ name, value: String(value) }));
    const html = typeof message.html === 'string';
    const draft = (
      await call((token) =>
        client.request({
          method: 'POST',
          path: `${user}/messages`,
          token,
          body: JSON.stringify({
            subject: message.subject ?? '',
            body: {
              contentType: html ? 'HTML' : 'Text',
              content: String((html ? message.html : message.text) ?? ''),
            },
            toRecipients: recipients(message.to),
            ccRecipients: recipients(message.cc),
            bccRecipients: recipients(message.bcc),
            replyTo: recipients(message.replyTo),
            ...(headers.length ? { internetMessageHeaders: headers } : {}),
          }),
        })
      )
    ).json as { id: string; internetMessageId?: string };
    const path = `${user}/messages/${draft.id}`;
    try {
      for (const attachment of message.attachments ?? []) await attach(path, attachment);
      await call((token) => client.request({ method: 'POST', path: `${path}/send`, token }));
    } catch (err) {
      // A draft left behind would be sent by no one and seen by the mailbox owner: remove it.
      await call((token) => client.request({ method: 'DELETE', path, token })).catch(
        () => undefined
      );
      throw err;
    }
    // Graph gives the draft its own Message-ID: that is the one replies will carry.
    return draft.internetMessageId;
  }

  type Attachment = NonNullable<ReturnType<typeof toNodemailer>['attachments']>[number];
  async function attach(path: string, attachment: Attachment) {
    const content: Buffer = Buffer.isBuffer(attachment.content)
      ? attachment.content
      : Buffer.from(
          String(attachment.content ?? ''),
          (attachment.encoding as BufferEncoding | undefined) ?? 'utf8'
        );
    const inline = attachment.contentDisposition === 'inline' || !!attachment.cid;
    const item = {
      name: attachment.filename || 'attachment',
      contentType: attachment.contentType || 'application/octet-stream',
      isInline: inline,
      ...(attachment.cid ? { contentId: attachment.cid } : {}),
    };
    // Graph takes an upload session only from 3 MB on; smaller files go in one request.
    if (content.length < UPLOAD_FROM) {
      await call((token) =>
        client.request({
          method: 'POST',
          path: `${path}/attachments`,
          token,
          body: JSON.stringify({
            '@odata.type': '#microsoft.graph.fileAttachment',
            ...item,
            contentBytes: content.toString('base64'),
          }),
        })
      );
      return;
    }
    const session = (
      await call((token) =>
        client.request({
          method: 'POST',
          path: `${path}/attachments/createUploadSession`,
          token,
          body: JSON.stringify({
            AttachmentItem: { attachmentType: 'file', size: content.length, ...item },
          }),
        })
      )
    ).json as { uploadUrl: string };
    for (let start = 0; start < content.length; start += CHUNK) {
      const chunk = content.subarray(start, start + CHUNK);
      // The upload URL carries its own authorization: no token is sent with it.
      await client.request({
        method: 'PUT',
        path: session.uploadUrl,
        body: chunk,
        contentType: 'application/octet-stream',
        headers: {
          'Content-Range': `bytes ${start}-${start + chunk.length - 1}/${content.length}`,
        },
      });
    }
  }

  return {
    async send(input: OutgoingMessage): Promise<GraphSendResult> {
      if (closed) {
        throw new MailError('ECONNECTION', 'This sender is closed.', {
          diagnosis: 'The Graph sender was closed.',
        });
      }
      const message = toNodemailer(parseMessage(input));
      inFlight++;
      let composed: ComposedMessage | undefined;
      try {
        // Attachments given as streams are read once, here, so both paths see bytes.
        message.attachments = (await Promise.all(
          (message.attachments ?? []).map(async (a) => ({
            ...a,
            content: a.content instanceof Readable ? await readAll(a.content) : a.content,
          }))
        )) as typeof message.attachments;
        const node = new MailComposer(message).compile();
        const envelope = node.getEnvelope() as { from: string | false; to: string[] };
        composed = {
          raw: await node.build(),
          envelope: { from: envelope.from || '', to: envelope.to },
          messageId: node.messageId(),
        };
        return await sendComposed(composed, async () => message);
      } catch (err) {
        throw withComposed(err as Error, composed);
      } finally {
        inFlight--;
      }
    },
    /**
     * A message composed before (the outbox): its MIME as it is, or over the MIME limit, the
     * draft built again from it (the draft path keeps what Graph's JSON message can carry).
     */
    async sendRaw(composed: ComposedMessage): Promise<GraphSendResult> {
      inFlight++;
      try {
        return await sendComposed(composed, () => fromMime(composed));
      } catch (err) {
        throw withComposed(err as Error, composed);
      } finally {
        inFlight--;
      }
    },
    /** The mailbox exists and this app may see it. */
    async verify(): Promise<void> {
      await call((token) => client.request({ method: 'GET', path: user, token }));
    },
    isIdle: () => inFlight === 0,
    description: {
      host: config.host,
      port: 443,
      security: 'tls' as const,
      authType: 'OAuth2 (Microsoft Graph)',
      user: config.mailbox,
      maxConnections: 4,
    },
    async close() {
      closed = true;
      client.close();
    },
  };
}

export type GraphSender = ReturnType<typeof createGraphSender>;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * A composed message back into the fields of a draft: the MIME parsed (mailparser), Bcc taken
 * from the envelope (it is not in the headers).
 */
async function fromMime(composed: ComposedMessage): Promise<ReturnType<typeof toNodemailer>> {
  const parsed = await simpleParser(composed.raw);
  const addresses = (v: AddressObject | AddressObject[] | undefined) =>
    (Array.isArray(v) ? v : v ? [v] : []).flatMap((a) =>
      a.value.map((x) => ({ name: x.name, address: x.address ?? '' }))
    );
  const to = addresses(parsed.to);
  const cc = addresses(parsed.cc);
  const shown = new Set([...to, ...cc].map((a) => a.address.toLowerCase()));
  const bcc = composed.envelope.to
    .filter((a) => !shown.has(a.toLowerCase()))
    .map((address) => ({ name: '', address }));
  const headers: Record<string, string> = {};
  for (const [name, value] of parsed.headers) {
    if (/^x-/i.test(name) && typeof value === 'string') headers[name] = value;
  }
  return {
    // Only what the message holds: never a file or URL to fetch.
    disableFileAccess: true,
    disableUrlAccess: true,
    subject: parsed.subject ?? '',
    text: parsed.text,
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    to,
    cc,
    bcc,
    replyTo: addresses(parsed.replyTo),
    headers,
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
      cid: a.cid,
      contentDisposition: a.contentDisposition as 'inline' | 'attachment' | undefined,
    })),
  } as unknown as ReturnType<typeof toNodemailer>;
}

/** The envelope's recipients that no To or Cc header names: the Bcc ones. */
function hiddenRecipients(composed: ComposedMessage): string[] {
  // The header block only (attachments are not parsed for this), unfolded.
  const end = composed.raw.indexOf('\r\n\r\n');
  const head = composed.raw
    .subarray(0, end < 0 ? composed.raw.length : end)
    .toString('latin1')
    .replace(/\r\n[ \t]+/g, ' ');
  const named = new Set<string>();
  type Parsed = { address?: string; group?: Parsed[] };
  const flat = (list: Parsed[]): string[] =>
    list.flatMap((a) => (a.group ? flat(a.group) : [a.address ?? '']));
  for (const line of head.split('\r\n')) {
    const field = /^(to|cc):(.*)$/i.exec(line);
    if (!field) continue;
    for (const address of flat(addressparser(field[2]!) as Parsed[])) {
      named.add(address.toLowerCase());
    }
  }
  return composed.envelope.to.filter((a) => !named.has(a.toLowerCase()));
}
