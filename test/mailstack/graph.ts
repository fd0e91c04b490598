/**
 * A local Microsoft Graph for the mail endpoints the plugin uses, as the identity platform
 * stands in for Entra: HTTPS on loopback, tokens from the local identity platform checked as
 * Graph checks them (audience https://graph.microsoft.com, the app's `roles` or the user's
 * `scp`: Mail.Send to send, Mail.Read or Mail.ReadWrite to read, Mail.ReadWrite to create a
 * folder or move), errors in Graph's JSON shape. Mail sent here is delivered into the
 * recipients' Dovecot mailboxes over LMTP, stamped like the submission server stamps it; mail
 * read here is read from those mailboxes over IMAP (graph-mailbox.ts).
 *
 * Endpoints (https://learn.microsoft.com/graph/api/resources/mail-api-overview), each under
 * /v1.0/users/{id}, {id} being the mailbox address:
 * - GET  (the user itself)                      the mailbox lookup of the Test
 * - POST /sendMail                              JSON message, or MIME (text/plain, base64)
 * - POST /messages                              a draft (JSON)
 * - POST /messages/{m}/attachments/createUploadSession, PUT on its uploadUrl
 * - POST /messages/{m}/send
 * - GET  /mailFolders[?$filter=displayName eq '…'] the top-level folders, paged ($top, $skip)
 * - POST /mailFolders                           { displayName } → 201; 409 ErrorFolderExists
 * - GET  /mailFolders/{f}                       {f}: a folder id or a well-known name (inbox…)
 * - GET  /mailFolders/{f}/childFolders[?$filter=displayName eq '…']
 * - POST /mailFolders/{f}/childFolders          { displayName } → 201; 409 ErrorFolderExists
 * - GET  /mailFolders/{f}/messages              $orderby=receivedDateTime asc|desc, $top, $skip
 * - GET  /messages/{m}/$value                   the message's MIME from Dovecot, byte for byte
 * - POST /messages/{m}/move                     { destinationId } → 201, a real IMAP MOVE
 * Requests over 4 MB answer 413, as Graph does; `throttle()` makes the next requests answer 429
 * with Retry-After; `denyMailbox()` answers 403 ErrorAccessDenied (an application access policy).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import type { JWTPayload } from 'jose';
import { stampAuthResults } from './auth-results';
import {
  GraphError,
  MAIL_SEND,
  MailboxStore,
  mailboxRoute,
  type MailboxStoreOptions,
} from './graph-mailbox';
import { lmtpTransport } from './smtp';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** What the mailbox lookup (GET /users/{id}) takes: any mail permission, or User.Read.All. */
/**
 * Looking a user up is the directory's business, not the mailbox's: User.Read.All (app-only) or
 * User.Read (delegated, one's own), refused as Authorization_RequestDenied; an application
 * access policy does not apply to it (https://learn.microsoft.com/graph/api/user-get).
 */
const LOOKUP_PERMISSIONS = [
  'User.Read.All',
  'User.ReadBasic.All',
  'Directory.Read.All',
  'User.Read',
];
/** Graph's limit on a request body (sendMail, a draft, an upload chunk). */
const MAX_REQUEST = 4 * 1024 * 1024;

export interface GraphOptions {
  host: string;
  port: number;
  tls: { cert: string; key: string };
  lmtp: { host: string; port: number };
  verifyToken(token: string, audience: string): Promise<JWTPayload | undefined>;
  isMailbox(address: string): boolean;
  /** Dovecot over implicit TLS, and the users' passwords: the mailboxes read through Graph */
  imap: MailboxStoreOptions;
}

interface Draft {
  mailbox: string;
  /** Graph gives a draft its own Message-ID */
  internetMessageId: string;
  message: GraphMessage;
  attachments: Array<{ name: string; contentType: string; content: Buffer; contentId?: string }>;
}
interface Upload {
  draft: string;
  name: string;
  contentType: string;
  contentId?: string;
  size: number;
  chunks: Buffer[];
  received: number;
}
type Recipient = { emailAddress: { address: string; name?: string } };
interface GraphMessage {
  subject?: string;
  body?: { contentType?: string; content?: string };
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  bccRecipients?: Recipient[];
  replyTo?: Recipient[];
  internetMessageHeaders?: Array<{ name: string; value: string }>;
  attachments?: Array<{ name: string; contentType?: string; contentBytes: string }>;
}

export class LocalGraph {
  readonly url: string;
  private server?: https.Server;
  private readonly drafts = new Map<string, Draft>();
  private readonly uploads = new Map<string, Upload>();
  private throttled = 0;
  private retryAfter = 1;
  private readonly denied = new Set<string>();
  private readonly counts = { requests: 0, sent: 0, throttled: 0 };
  private readonly lmtp;
  private readonly mailboxes: MailboxStore;

  constructor(private readonly o: GraphOptions) {
    this.url = `https://${o.host}:${o.port}`;
    this.lmtp = lmtpTransport(o.lmtp);
    this.mailboxes = new MailboxStore(o.imap);
  }

  /** The host:port the plugin uses as its Graph host. */
  get host(): string {
    return `${this.o.host}:${this.o.port}`;
  }

  /** The next `count` requests answer 429 with Retry-After: `seconds`. */
  throttle(count: number, seconds = 1): void {
    this.throttled = count;
    this.retryAfter = seconds;
  }

  /** An application access policy that leaves this mailbox out: 403 ErrorAccessDenied. */
  denyMailbox(address: string): void {
    this.denied.add(address.toLowerCase());
  }

  stats() {
    return { ...this.counts, ...this.mailboxes.counts };
  }

  async listen(): Promise<void> {
    this.server = https.createServer({ ...this.o.tls }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const e =
          err instanceof GraphError
            ? err
            : new GraphError(500, 'InternalServerError', (err as Error).message);
        if (res.headersSent) return void res.destroy();
        res.writeHead(e.status, { 'Content-Type': 'application/json', ...e.headers });
        res.end(JSON.stringify({ error: { code: e.code, message: e.message } }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.o.port, this.o.host, resolve));
  }

  async close(): Promise<void> {
    this.lmtp.close();
    this.mailboxes.close();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve()
    );
  }

  // ---- requests ----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.requests++;
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    if (this.throttled > 0) {
      this.throttled--;
      this.counts.throttled++;
      throw new GraphError(
        429,
        'ApplicationThrottled',
        'Application is over its MailboxConcurrency limit.',
        {
          'Retry-After': String(this.retryAfter),
        }
      );
    }
    // The upload URL carries its own authorization, as Graph's does.
    const upload = /^\/upload\/([\w-]+)$/.exec(url.pathname);
    if (upload && req.method === 'PUT') return this.putChunk(upload[1]!, req, body, res);

    const m = /^\/v1\.0\/users\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!m) throw new GraphError(400, 'BadRequest', `Invalid request ${url.pathname}`);
    const mailbox = decodeURIComponent(m[1]!).toLowerCase();
    const rest = m[2] ?? '';
    const route = mailboxRoute(req.method, rest);
    await this.authorize(
      req,
      mailbox,
      route ? route.permissions : rest === '' ? LOOKUP_PERMISSIONS : MAIL_SEND
    );
    if (!this.o.isMailbox(mailbox)) {
      throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${mailbox}' is invalid.`);
    }
    if (this.denied.has(mailbox) && rest !== '') {
      throw new GraphError(403, 'ErrorAccessDenied', 'Access to OData is disabled.');
    }
    if (body.length > MAX_REQUEST) {
      throw new GraphError(413, 'RequestEntityTooLarge', 'The request body is larger than 4 MB.');
    }
    if (route) {
      const reply = await this.mailboxes.run(mailbox, route, {
        query: url.searchParams,
        body,
        url,
      });
      if (reply.raw) {
        res.writeHead(reply.status, { 'Content-Type': 'text/plain' });
        res.end(reply.raw);
        return;
      }
      return json(res, reply.status, reply.json);
    }
    if (req.method === 'GET' && rest === '') {
      return json(res, 200, { id: randomUUID(), mail: mailbox, userPrincipalName: mailbox });
    }
    if (req.method === 'POST' && rest === '/sendMail') {
      const type = String(req.headers['content-type'] ?? '');
      const raw = type.startsWith('text/plain')
        ? Buffer.from(body.toString('latin1'), 'base64')
        : await compose(
            mailbox,
            (JSON.parse(body.toString('utf8')) as { message: GraphMessage }).message,
            []
          );
      await this.deliver(mailbox, raw);
      res.writeHead(202).end();
      return;
    }
    if (req.method === 'POST' && rest === '/messages') {
      const id = randomBytes(12).toString('base64url');
      const internetMessageId = `<${randomUUID()}@local.graph>`;
      this.drafts.set(id, {
        mailbox,
        internetMessageId,
        message: JSON.parse(body.toString('utf8')),
        attachments: [],
      });
      return json(res, 201, { id, internetMessageId });
    }
    const draftPath = /^\/messages\/([\w-]+)$/.exec(rest);
    if (req.method === 'DELETE' && draftPath) {
      this.drafts.delete(draftPath[1]!);
      res.writeHead(204).end();
      return;
    }
    const small = /^\/messages\/([\w-]+)\/attachments$/.exec(rest);
    if (req.method === 'POST' && small) {
      const draft = this.drafts.get(small[1]!);
      if (!draft)
        throw new GraphError(
          404,
          'ErrorItemNotFound',
          'The specified object was not found in the store.'
        );
      const a = JSON.parse(body.toString('utf8')) as {
        name: string;
        contentType?: string;
        contentBytes: string;
        contentId?: string;
      };
      draft.attachments.push({
        name: a.name,
        contentType: a.contentType ?? 'application/octet-stream',
        content: Buffer.from(a.contentBytes, 'base64'),
        contentId: a.contentId,
      });
      return json(res, 201, { id: randomUUID() });
    }
    const session = /^\/messages\/([\w-]+)\/attachments\/createUploadSession$/.exec(rest);
    if (req.method === 'POST' && session) {
      const draft = this.drafts.get(session[1]!);
      if (!draft)
        throw new GraphError(
          404,
          'ErrorItemNotFound',
          'The specified object was not found in the store.'
        );
      const item = (
        JSON.parse(body.toString('utf8')) as {
          AttachmentItem: { name: string; size: number; contentType?: string; contentId?: string };
        }
      ).AttachmentItem;
      // As Graph: an upload session is for attachments of 3 MB and more.
      if (item.size < 3 * 1024 * 1024) {
        throw new GraphError(
          400,
          'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize',
          'Attachment size should not be less than 3 MB.'
        );
      }
      const id = randomBytes(12).toString('base64url');
      this.uploads.set(id, {
        draft: session[1]!,
        name: item.name,
        contentType: item.contentType ?? 'application/octet-stream',
        contentId: item.contentId,
        size: item.size,
        chunks: [],
        received: 0,
      });
      // Like Graph's (outlook.office.com), the upload URL names another host than the API.
      const other = this.url.replace('127.0.0.1', 'localhost');
      return json(res, 201, { uploadUrl: `${other}/upload/${id}`, nextExpectedRanges: ['0-'] });
    }
    const send = /^\/messages\/([\w-]+)\/send$/.exec(rest);
    if (req.method === 'POST' && send) {
      const draft = this.drafts.get(send[1]!);
      if (!draft)
        throw new GraphError(
          404,
          'ErrorItemNotFound',
          'The specified object was not found in the store.'
        );
      this.drafts.delete(send[1]!);
      await this.deliver(
        mailbox,
        await compose(mailbox, draft.message, draft.attachments, draft.internetMessageId)
      );
      res.writeHead(202).end();
      return;
    }
    throw new GraphError(400, 'BadRequest', `Unsupported ${req.method} ${rest}`);
  }

  /** Graph's checks: a token for Graph, from this tenant's platform, with one of `needed`. */
  private async authorize(req: IncomingMessage, mailbox: string, needed: string[]) {
    const header = String(req.headers.authorization ?? '');
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    if (!token) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const claims = await this.o.verifyToken(token, GRAPH_AUDIENCE);
    if (!claims) {
      throw new GraphError(
        401,
        'InvalidAuthenticationToken',
        'Access token validation failure. Invalid audience.'
      );
    }
    const roles = (claims.roles as string[] | undefined) ?? [];
    const scopes = String(claims.scp ?? '').split(' ');
    const granted = [...roles, ...scopes];
    if (!needed.some((p) => granted.includes(p))) {
      throw needed === LOOKUP_PERMISSIONS
        ? new GraphError(
            403,
            'Authorization_RequestDenied',
            'Insufficient privileges to complete the operation.'
          )
        : new GraphError(
            403,
            'ErrorAccessDenied',
            'Access is denied. Check credentials and try again.'
          );
    }
    // A delegated token acts for its user only.
    if (scopes[0] && claims.email && String(claims.email).toLowerCase() !== mailbox) {
      throw new GraphError(
        403,
        'ErrorAccessDenied',
        'Access is denied. Check credentials and try again.'
      );
    }
  }

  private async putChunk(id: string, req: IncomingMessage, body: Buffer, res: ServerResponse) {
    const upload = this.uploads.get(id);
    if (!upload)
      throw new GraphError(404, 'ErrorItemNotFound', 'The upload session does not exist.');
    if (body.length > MAX_REQUEST) {
      throw new GraphError(413, 'RequestEntityTooLarge', 'A chunk must be under 4 MB.');
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    if (!range || Number(range[1]) !== upload.received || Number(range[3]) !== upload.size) {
      throw new GraphError(416, 'InvalidRange', 'The Content-Range does not continue the upload.');
    }
    upload.chunks.push(body);
    upload.received += body.length;
    if (upload.received < upload.size) {
      return json(res, 200, { nextExpectedRanges: [`${upload.received}-`] });
    }
    this.uploads.delete(id);
    this.drafts.get(upload.draft)?.attachments.push({
      name: upload.name,
      contentType: upload.contentType,
      content: Buffer.concat(upload.chunks),
      contentId: upload.contentId,
    });
    return json(res, 201, {});
  }

  private async deliver(mailbox: string, raw: Buffer) {
    const parsed = await simpleParser(raw);
    const list = (v: unknown) =>
      (Array.isArray(v) ? v : v ? [v] : []).flatMap((a: { value: Array<{ address?: string }> }) =>
        a.value.map((x) => x.address ?? '')
      );
    // Bcc is not in the headers Graph sends on: recipients come from the parsed copy.
    const to = [...list(parsed.to), ...list(parsed.cc), ...list(parsed.bcc)].filter(Boolean);
    const info = await this.lmtp.sendMail({
      envelope: { from: mailbox, to },
      raw: stampAuthResults(raw, mailbox),
    });
    if (info.rejected.length)
      throw new GraphError(
        400,
        'ErrorInvalidRecipients',
        `Invalid recipients: ${info.rejected.join(', ')}`
      );
    this.counts.sent++;
  }
}

/** A JSON message (and uploaded attachments) as the MIME Graph would send. */
function compose(
  mailbox: string,
  m: GraphMessage,
  uploaded: Draft['attachments'],
  messageId?: string
): Promise<Buffer> {
  const addresses = (r?: Recipient[]) => (r ?? []).map((x) => x.emailAddress.address);
  const html = m.body?.contentType?.toLowerCase() === 'html';
  const node = new MailComposer({
    from: mailbox,
    to: addresses(m.toRecipients),
    cc: addresses(m.ccRecipients),
    bcc: addresses(m.bccRecipients),
    replyTo: addresses(m.replyTo),
    subject: m.subject,
    messageId,
    [html ? 'html' : 'text']: m.body?.content ?? '',
    headers: Object.fromEntries((m.internetMessageHeaders ?? []).map((h) => [h.name, h.value])),
    attachments: [
      ...(m.attachments ?? []).map((a) => ({
        filename: a.name,
        contentType: a.contentType,
        content: Buffer.from(a.contentBytes, 'base64'),
      })),
      ...uploaded.map((a) => ({
        filename: a.name,
        contentType: a.contentType,
        content: a.content,
        cid: a.contentId,
      })),
    ],
  }).compile();
  node.keepBcc = true;
  return node.build();
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
