/**
 * The mailbox-reading half of the local Graph (graph.ts): mail folders and messages, served from
 * the same Dovecot mailboxes the rest of the stack uses. The local Graph logs in over IMAP as
 * the mailbox's user, one connection per mailbox kept between requests and reconnected when it
 * closed, every operation of a mailbox run one after the other (so "does it exist? then create"
 * cannot interleave). What the plugin sees is Graph's shapes and codes; what a test sees with
 * imapflow is the same mail: a move here is a real IMAP MOVE.
 *
 * Shapes follow https://learn.microsoft.com/graph/api/resources/mailfolder and .../message:
 * - folder: { id, displayName, parentFolderId, childFolderCount, unreadItemCount,
 *   totalItemCount, isHidden } — INBOX is "Inbox"; top-level folders' parent is the
 *   `msgfolderroot` folder ("Top of Information Store"), whose children are Dovecot's top level.
 * - message: { id, internetMessageId (null without a Message-ID), receivedDateTime (the IMAP
 *   INTERNALDATE, as Graph writes dates: 2024-01-01T10:00:00Z), parentFolderId }; `$select` is
 *   accepted and ignored, the order is UID order (receivedDateTime asc) or its reverse.
 * Ids are opaque base64url, `[\w-]+` like Graph's: a folder's encodes its Dovecot path, a
 * message's its folder path, the folder's UIDVALIDITY and its UID (a stale UIDVALIDITY is 404).
 * An id that is none of ours is 400 ErrorInvalidIdMalformed, as Graph answers a malformed id.
 */
import { ImapFlow, type ListResponse } from 'imapflow';

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message);
  }
}

/** Where the local Graph reaches Dovecot, and each mailbox user's password. */
export interface MailboxStoreOptions {
  host: string;
  /** implicit TLS */
  port: number;
  /** PEM of the CA that signed Dovecot's certificate */
  ca: string;
  password(address: string): string | undefined;
}

/** Permissions a request needs (app `roles` or delegated `scp`), any one of them. */
// The .Shared delegated permissions cover the user's own mailbox too (and others' they may open).
export const MAIL_READ = [
  'Mail.Read',
  'Mail.ReadWrite',
  'Mail.Read.Shared',
  'Mail.ReadWrite.Shared',
];
export const MAIL_WRITE = ['Mail.ReadWrite', 'Mail.ReadWrite.Shared'];
export const MAIL_SEND = ['Mail.Send', 'Mail.Send.Shared'];

export interface Reply {
  status: number;
  json?: unknown;
  /** a raw body instead of JSON (a message's MIME), sent as text/plain like Graph's $value */
  raw?: Buffer;
}

interface Request {
  match: RegExpExecArray;
  query: URLSearchParams;
  body: Buffer;
  /** the request's URL, for @odata.nextLink */
  url: URL;
}

type Run = (session: MailboxSession, r: Request) => Promise<Reply>;
type Route = [method: 'GET' | 'POST', path: RegExp, permissions: string[], run: Run];

// Graph's path segments are case-insensitive; `$value` may come percent-encoded.
const ROUTES: Route[] = [
  ['GET', /^\/mailFolders$/i, MAIL_READ, (s, r) => s.listFolders('msgfolderroot', r)],
  ['POST', /^\/mailFolders$/i, MAIL_WRITE, (s, r) => s.createFolder('msgfolderroot', r)],
  ['GET', /^\/mailFolders\/([\w-]+)$/i, MAIL_READ, (s, r) => s.getFolder(r.match[1]!)],
  [
    'GET',
    /^\/mailFolders\/([\w-]+)\/childFolders$/i,
    MAIL_READ,
    (s, r) => s.listFolders(r.match[1]!, r),
  ],
  [
    'POST',
    /^\/mailFolders\/([\w-]+)\/childFolders$/i,
    MAIL_WRITE,
    (s, r) => s.createFolder(r.match[1]!, r),
  ],
  [
    'GET',
    /^\/mailFolders\/([\w-]+)\/messages$/i,
    MAIL_READ,
    (s, r) => s.listMessages(r.match[1]!, r),
  ],
  ['GET', /^\/messages\/([\w-]+)\/\$value$/i, MAIL_READ, (s, r) => s.mime(r.match[1]!)],
  ['POST', /^\/messages\/([\w-]+)\/move$/i, MAIL_WRITE, (s, r) => s.move(r.match[1]!, r)],
];

/** The mailbox route of a request under /v1.0/users/{id}, if it is one. */
export function mailboxRoute(method: string | undefined, rest: string) {
  const path = rest.replace(/%24/gi, '$');
  for (const [m, pattern, permissions, run] of ROUTES) {
    const match = m === method ? pattern.exec(path) : null;
    if (match) return { permissions, match, run };
  }
  return undefined;
}

// ---- ids ------------------------------------------------------------------------------------

const FOLDER_PREFIX = 'mailFolder:';
const MESSAGE_PREFIX = 'message:';
/** the root folder (msgfolderroot) has the empty path */
const ROOT = '';
/** the root's own parent: a folder no one can open, as in Exchange (the non-IPM subtree) */
const ABOVE_ROOT = `${FOLDER_PREFIX}\u0000`;
const WELL_KNOWN: Record<string, string> = {
  drafts: '\\Drafts',
  sentitems: '\\Sent',
  deleteditems: '\\Trash',
  junkemail: '\\Junk',
  archive: '\\Archive',
};

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const folderId = (path: string) => encode(FOLDER_PREFIX + path);
const messageId = (path: string, uidValidity: bigint, uid: number) =>
  encode(`${MESSAGE_PREFIX}${uidValidity}:${uid}:${path}`);

function decode(id: string, prefix: string): string {
  const text = Buffer.from(id, 'base64url').toString('utf8');
  if (!text.startsWith(prefix) || encode(text) !== id) {
    throw new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
  }
  return text.slice(prefix.length);
}

function decodeMessageId(id: string) {
  const m = /^(\d+):(\d+):(.*)$/s.exec(decode(id, MESSAGE_PREFIX));
  if (!m) throw new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
  return { uidValidity: BigInt(m[1]!), uid: Number(m[2]), path: m[3]! };
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const notFound = () =>
  new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
const badRequest = (message: string) => new GraphError(400, 'BadRequest', message);

// ---- query options --------------------------------------------------------------------------

/** `displayName eq '<OData string literal>'`, the one $filter folders take here. */
function displayNameFilter(query: URLSearchParams): string | undefined {
  const filter = query.get('$filter');
  if (filter === null) return undefined;
  const m = /^\s*displayName\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(filter);
  if (!m) {
    throw new GraphError(
      400,
      'ErrorInvalidUrlQueryFilter',
      'The query filter contains one or more invalid nodes.'
    );
  }
  return m[1]!.replace(/''/g, "'");
}

/** $top (Graph's default page is 10, its largest 1000) and $skip. */
function page(query: URLSearchParams): { top: number; skip: number } {
  const int = (name: string, fallback: number) => {
    const v = query.get(name);
    if (v === null) return fallback;
    if (!/^\d+$/.test(v)) throw badRequest(`Invalid value '${v}' for ${name}.`);
    return Number(v);
  };
  return { top: Math.min(int('$top', 10), 1000), skip: int('$skip', 0) };
}

/** A page of a collection of `total` items, with @odata.nextLink (the URL, $skip on) if more. */
function collection(value: unknown[], total: number, r: Request): Reply {
  const { top, skip } = page(r.query);
  const body: Record<string, unknown> = { value };
  if (skip + top < total) {
    const next = new URL(r.url);
    next.searchParams.set('$skip', String(skip + top));
    body['@odata.nextLink'] = next.toString();
  }
  return { status: 200, json: body };
}

function jsonBody(body: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw badRequest('Unable to read JSON request payload.');
}

/** Graph writes dates without milliseconds: 2016-10-19T10:37:00Z. */
const graphDate = (d: Date | string | undefined) =>
  d ? new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;

// ---- the mailboxes --------------------------------------------------------------------------

export interface MailboxCounts {
  /** pages of messages listed */
  listed: number;
  /** messages read as MIME ($value) */
  fetched: number;
  /** messages moved (IMAP MOVE) */
  moved: number;
  /** folders created */
  foldersCreated: number;
  /** IMAP logins made: one per mailbox, again only after a connection closed */
  imapLogins: number;
}

/** Every mailbox's session, by address. */
export class MailboxStore {
  readonly counts: MailboxCounts = {
    listed: 0,
    fetched: 0,
    moved: 0,
    foldersCreated: 0,
    imapLogins: 0,
  };
  private readonly sessions = new Map<string, MailboxSession>();

  constructor(private readonly o: MailboxStoreOptions) {}

  /** Runs a mailbox route for `mailbox` (authorized and known by then). */
  run(
    mailbox: string,
    route: NonNullable<ReturnType<typeof mailboxRoute>>,
    r: Omit<Request, 'match'>
  ) {
    let session = this.sessions.get(mailbox);
    if (!session) {
      session = new MailboxSession(mailbox, this.o, this.counts);
      this.sessions.set(mailbox, session);
    }
    const s = session;
    return s.serially(() => route.run(s, { ...r, match: route.match }));
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}

class MailboxSession {
  private client?: ImapFlow;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly address: string,
    private readonly o: MailboxStoreOptions,
    private readonly counts: MailboxCounts
  ) {}

  /** One operation at a time on this mailbox; one retry when the connection had dropped. */
  serially<T>(work: () => Promise<T>): Promise<T> {
    const run = async () => {
      const reused = !!this.client?.usable;
      try {
        return await work();
      } catch (err) {
        if (err instanceof GraphError || !reused || this.client?.usable) throw err;
        return work(); // Dovecot restarted under a kept connection: log in again, once.
      }
    };
    const next = this.tail.then(run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private async imap(): Promise<ImapFlow> {
    if (this.client?.usable) return this.client;
    this.client?.close();
    const password = this.o.password(this.address);
    if (password === undefined) throw new Error(`no password for ${this.address}`);
    const client = new ImapFlow({
      host: this.o.host,
      port: this.o.port,
      secure: true,
      tls: { ca: [this.o.ca] },
      auth: { user: this.address, pass: password },
      logger: false,
      disableAutoIdle: true,
    });
    client.on('error', () => undefined); // a dropped connection: `usable` turns false, retried
    client.on('close', () => {
      if (this.client === client) this.client = undefined;
    });
    this.client = client;
    await client.connect();
    this.counts.imapLogins++;
    return client;
  }

  // ---- folders ----

  /** Every folder with its counts (LIST-STATUS: one round trip). */
  private async folders(): Promise<ListResponse[]> {
    const all = await (await this.imap()).list({ statusQuery: { messages: true, unseen: true } });
    return all.filter((f) => !f.flags.has('\\NonExistent'));
  }

  /** A folder id or a well-known name (case-insensitive) → a Dovecot path ('' is the root). */
  private resolve(ref: string, all: ListResponse[]): string {
    const name = ref.toLowerCase();
    if (name === 'msgfolderroot') return ROOT;
    if (name === 'inbox') return 'INBOX';
    const special = WELL_KNOWN[name];
    if (special) {
      const f = all.find((x) => x.specialUse === special);
      if (!f) throw notFound();
      return f.path;
    }
    const path = decode(ref, FOLDER_PREFIX);
    if (path !== ROOT && !all.some((f) => f.path === path)) throw notFound();
    return path;
  }

  private folderJson(path: string, all: ListResponse[]) {
    const f = all.find((x) => x.path === path);
    return {
      id: folderId(path),
      displayName:
        path === ROOT ? 'Top of Information Store' : path === 'INBOX' ? 'Inbox' : f!.name,
      parentFolderId: path === ROOT ? encode(ABOVE_ROOT) : folderId(f!.parentPath),
      childFolderCount: all.filter((x) => x.parentPath === path).length,
      unreadItemCount: f?.status?.unseen ?? 0,
      totalItemCount: f?.status?.messages ?? 0,
      isHidden: false,
    };
  }

  private displayName(path: string, all: ListResponse[]): string {
    return this.folderJson(path, all).displayName;
  }

  async getFolder(ref: string): Promise<Reply> {
    const all = await this.folders();
    return { status: 200, json: this.folderJson(this.resolve(ref, all), all) };
  }

  async listFolders(parentRef: string, r: Request): Promise<Reply> {
    const name = displayNameFilter(r.query);
    const all = await this.folders();
    const parent = this.resolve(parentRef, all);
    const children = all
      .filter((f) => f.parentPath === parent)
      // Exchange compares strings in $filter without regard to case.
      .filter((f) => name === undefined || sameName(this.displayName(f.path, all), name));
    const { top, skip } = page(r.query);
    const value = children.slice(skip, skip + top).map((f) => this.folderJson(f.path, all));
    return collection(value, children.length, r);
  }

  async createFolder(parentRef: string, r: Request): Promise<Reply> {
    const { displayName } = jsonBody(r.body);
    if (typeof displayName !== 'string' || displayName.trim() === '') {
      throw badRequest('displayName is required.');
    }
    const client = await this.imap();
    const all = await this.folders();
    const parent = this.resolve(parentRef, all);
    const delimiter = all[0]?.delimiter ?? '.';
    // Exchange allows any character; Dovecot's hierarchy separator would make a subfolder.
    if (displayName.includes(delimiter)) {
      throw badRequest(`The local Graph cannot store '${delimiter}' in a folder name.`);
    }
    const taken = all.some(
      (f) => f.parentPath === parent && sameName(this.displayName(f.path, all), displayName)
    );
    if (taken) {
      throw new GraphError(
        409,
        'ErrorFolderExists',
        'A folder with the specified name already exists.'
      );
    }
    const path = parent === ROOT ? displayName : `${parent}${delimiter}${displayName}`;
    try {
      await client.mailboxCreate(path);
    } catch (err) {
      const said = (err as { responseText?: string }).responseText ?? (err as Error).message;
      throw badRequest(`Dovecot refused the folder: ${said}`);
    }
    this.counts.foldersCreated++;
    return { status: 201, json: this.folderJson(path, await this.folders()) };
  }

  // ---- messages ----

  /** Runs `work` with `path` selected; a folder that does not exist (any more) is 404. */
  private async inFolder<T>(
    path: string,
    work: (client: ImapFlow, uidValidity: bigint) => Promise<T>
  ) {
    const client = await this.imap();
    let lock;
    try {
      lock = await client.getMailboxLock(path);
    } catch (err) {
      if (!client.usable) throw err;
      throw notFound();
    }
    try {
      const box = client.mailbox;
      if (!box) throw notFound();
      return await work(client, box.uidValidity);
    } finally {
      lock.release();
    }
  }

  async listMessages(ref: string, r: Request): Promise<Reply> {
    if (r.query.has('$filter')) {
      throw new GraphError(
        400,
        'ErrorInvalidUrlQueryFilter',
        'The local Graph takes no $filter on messages.'
      );
    }
    const order = (r.query.get('$orderby') ?? 'receivedDateTime desc').trim().replace(/\s+/g, ' ');
    const m = /^receivedDateTime( asc| desc)?$/i.exec(order);
    if (!m)
      throw badRequest(`The local Graph orders messages by receivedDateTime only, not '${order}'.`);
    const newestFirst = m[1]?.trim().toLowerCase() === 'desc';
    const { top, skip } = page(r.query);
    const path = this.resolve(ref, await this.folders());
    this.counts.listed++;
    if (path === ROOT) return collection([], 0, r);
    return this.inFolder(path, async (client, uidValidity) => {
      // The kept session learns of mail delivered since only from a command's untagged
      // answers: NOOP first, so the list is as current as Exchange's.
      await client.noop();
      const found = await client.search({ all: true }, { uid: true });
      const uids = (found || []).sort((a, b) => a - b);
      if (newestFirst) uids.reverse();
      const wanted = uids.slice(skip, skip + top);
      const byUid = new Map<number, unknown>();
      const query = { uid: true, envelope: true, internalDate: true, size: true };
      // $expand=singleValueExtendedProperties($filter=id eq 'Integer 0x0E08'): the size
      // (PR_MESSAGE_SIZE), as Exchange gives it on request.
      const withSize = /singleValueExtendedProperties.*0x0E08/i.test(r.query.get('$expand') ?? '');
      if (wanted.length) {
        for await (const msg of client.fetch(wanted.join(','), query, { uid: true })) {
          byUid.set(msg.uid, {
            id: messageId(path, uidValidity, msg.uid),
            internetMessageId: msg.envelope?.messageId ?? null,
            receivedDateTime: graphDate(msg.internalDate),
            parentFolderId: folderId(path),
            ...(withSize
              ? {
                  singleValueExtendedProperties: [
                    { id: 'Integer 0xe08', value: String(msg.size ?? 0) },
                  ],
                }
              : {}),
          });
        }
      }
      return collection(wanted.map((uid) => byUid.get(uid)).filter(Boolean), uids.length, r);
    });
  }

  async mime(id: string): Promise<Reply> {
    const { path, uidValidity, uid } = decodeMessageId(id);
    const raw = await this.inFolder(path, async (client, current) => {
      if (current !== uidValidity) throw notFound();
      const msg = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      if (!msg || !msg.source) throw notFound();
      return msg.source;
    });
    this.counts.fetched++;
    return { status: 200, raw };
  }

  async move(id: string, r: Request): Promise<Reply> {
    const { destinationId } = jsonBody(r.body);
    if (typeof destinationId !== 'string' || destinationId === '') {
      throw badRequest('destinationId is required.');
    }
    const { path, uidValidity, uid } = decodeMessageId(id);
    const destination = this.resolve(destinationId, await this.folders());
    if (destination === ROOT) throw notFound(); // the root holds folders only, here
    const moved = await this.inFolder(path, async (client, current) => {
      if (current !== uidValidity) throw notFound();
      const msg = await client.fetchOne(
        String(uid),
        { uid: true, envelope: true, internalDate: true },
        { uid: true }
      );
      if (!msg) throw notFound();
      const result = await client.messageMove(String(uid), destination, { uid: true });
      const newUid = result ? result.uidMap?.get(uid) : undefined;
      if (!result || newUid === undefined || result.uidValidity === undefined) {
        throw new Error('Dovecot answered MOVE without COPYUID');
      }
      return {
        id: messageId(destination, result.uidValidity, newUid),
        internetMessageId: msg.envelope?.messageId ?? null,
        receivedDateTime: graphDate(msg.internalDate),
        parentFolderId: folderId(destination),
      };
    });
    this.counts.moved++;
    return { status: 201, json: moved };
  }
}
