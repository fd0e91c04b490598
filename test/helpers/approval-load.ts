/**
 * Bulk fixtures for the approvals-job robustness suite: IMAP settings saved directly, pending
 * requests created directly (drafts + request rows, as bench/inbox.ts does), signed replies
 * built with messageIdFor and appended over one IMAP connection, and the child processes
 * that run the job on the same database (test/helpers/inbox-runner.ts).
 */
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnScript } from './child-strapi';
import type { Core } from '@strapi/strapi';
import type { MailStack as FullStack, MailUser } from '../mailstack/types';

/** What these helpers use of a stack (benchmarks run it in a child process). */
type MailStack = Pick<FullStack, 'imap' | 'smtp' | 'caPem' | 'caFile' | 'authservId'>;
import { messageIdFor } from '../../server/src/mail/reply/token';
import type { RunReport } from '../../server/src/services/inbox';
import { AUTHSERV_ID } from '../mailstack/auth-results';
import { connect } from './mailbox';
import { ensureApprover } from './admin';

export const ARTICLE = 'api::article.article';
export const REQUEST_UID = 'plugin::mail-server.approval';
export const INBOUND_UID = 'plugin::mail-server.inbound-message';
export const LEASE_UID = 'plugin::mail-server.lease';

/** SMTP and IMAP settings for the stack's approvals mailbox (poll: 1 h, no IDLE by default). */
export async function configureMailbox(
  strapi: Core.Strapi,
  stack: MailStack,
  mailbox: MailUser,
  imapPort = stack.imap.tlsPort,
  { pollInterval = 3600, idle = false }: { pollInterval?: number; idle?: boolean } = {}
) {
  const server = {
    host: '127.0.0.1',
    username: mailbox.address,
    password: mailbox.password,
    oauth2: {
      enabled: false,
      grant: 'client_credentials',
      tenantId: '',
      clientId: '',
      authorityHost: 'login.microsoftonline.com',
      scopes: [],
    },
  };
  await strapi
    .plugin('mail-server')
    .service('settings')
    .save({
      smtp: {
        ...server,
        port: stack.smtp.port,
        security: 'starttls',
        fromAddress: mailbox.address,
        fromName: '',
        replyTo: '',
      },
      imap: {
        ...server,
        port: imapPort,
        security: 'tls',
        mailbox: 'INBOX',
        processedFolder: 'Processed',
        quarantineFolder: 'Quarantine',
        ignoredFolder: 'Ignored',
        pollInterval,
        idle,
        senderCheck: 'verified',
        authservId: stack.authservId,
        exchangeHeaders: false,
      },
    } as never);
}

export interface Pending {
  id: number;
  documentId: string;
}

/** `count` pending requests for fresh drafts, `parallel` at a time. */
export async function pendingRequests(
  strapi: Core.Strapi,
  approver: string,
  count: number,
  parallel = 4
): Promise<Pending[]> {
  // The decision is checked against the approver's Strapi role: they must be an admin user.
  await ensureApprover(strapi, approver);
  const one = async (i: number): Promise<Pending> => {
    const entry = (await strapi
      .documents(ARTICLE)
      .create({ data: { title: `Load ${i}` } as never })) as unknown as {
      documentId: string;
      updatedAt: string;
    };
    const row = await strapi.db.query(REQUEST_UID).create({
      data: {
        targetUid: ARTICLE,
        targetDocumentId: entry.documentId,
        title: `Load ${i}`,
        action: 'publish',
        approvers: [approver],
        policy: 'any',
        status: 'pending',
        expiresAt: new Date(Date.now() + 86400_000),
        entryVersion: new Date(entry.updatedAt).toISOString(),
        decisions: [],
      },
    });
    return { id: row.id, documentId: entry.documentId };
  };
  const out: Pending[] = [];
  for (let i = 0; i < count; i += parallel) {
    const ids = Array.from({ length: Math.min(parallel, count - i) }, (_, j) => i + j);
    out.push(...(await Promise.all(ids.map(one))));
  }
  return out;
}

/** The Message-ID of the reply to request `requestId` built by replyTo(). */
export const replyMessageId = (requestId: number) => `<load-${requestId}@example.test>`;

/**
 * A reply APPROVE from the approver, referencing the signed notification of the request, as
 * the stack's receiving server delivers it: stamped with its Authentication-Results (the
 * load is put in with APPEND for speed; approvals.test.ts sends real replies through SMTP).
 */
export function replyTo(
  strapi: Core.Strapi,
  approver: string,
  to: string,
  requestId: number,
  authservId = AUTHSERV_ID
) {
  const key = strapi.plugin('mail-server').service('secrets').signingKey();
  const ref = messageIdFor(key, { requestId, approver: 0 }, approver, 'example.test');
  return [
    `Authentication-Results: ${authservId}; auth=pass smtp.auth=${approver}`,
    `From: ${approver}`,
    `To: ${to}`,
    `Subject: Re: Approval requested: Load ${requestId}`,
    `Message-ID: ${replyMessageId(requestId)}`,
    `In-Reply-To: ${ref}`,
    `References: ${ref}`,
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'APPROVE',
    '',
    'Looks good.',
    '',
  ].join('\r\n');
}

/** Appends every message over one connection (one APPEND each, in order). */
export async function appendMany(stack: MailStack, user: MailUser, raws: string[]) {
  const c = await connect(stack, user);
  try {
    for (const raw of raws) await c.append('INBOX', raw);
  } finally {
    await c.logout();
  }
}

/** Message counts of the folders the job uses (missing folders count 0). */
export async function jobFolders(stack: MailStack, user: MailUser) {
  const c = await connect(stack, user);
  try {
    const out: Record<string, number> = {};
    const names = new Set((await c.list()).map((b) => b.path));
    for (const name of ['INBOX', 'Processed', 'Quarantine', 'Ignored']) {
      const status = names.has(name) ? await c.status(name, { messages: true }) : false;
      out[name] = status ? (status.messages ?? 0) : 0;
    }
    return out;
  } finally {
    await c.logout();
  }
}

// ---- child processes running the job ------------------------------------------------------

/** The job's counts over all its passes (`refiled`: recorded first by another instance). */
export interface RunnerSummary extends Omit<RunReport, 'skipped' | 'error'> {
  name: string;
  pid: number;
  runs: number;
  skippedLease: number;
  errors: string[];
  /** the run that ended with an empty INBOX */
  finished: boolean;
}

export interface Runner {
  child: ChildProcess;
  name: string;
  ready: Promise<void>;
  /** resolves with the summary the child sends before exiting (rejects if it dies first) */
  done: Promise<RunnerSummary>;
  /** resolves with the exit code/signal */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  go(): void;
  output(): string;
}

const RUNNER = path.resolve(__dirname, 'inbox-runner.ts');

/** The databases several processes can share: SQLite's file is not one of them here. */
export type SharedClient = 'postgres' | 'mysql';

/**
 * The shared database the multi-process suites use: MySQL/MariaDB when DATABASE_CLIENT=mysql,
 * else PostgreSQL (also on a SQLite run: those suites are about two servers on one database).
 */
export const sharedClient = (): SharedClient =>
  process.env.DATABASE_CLIENT === 'mysql' ? 'mysql' : 'postgres';

/**
 * A child Node process booting the test app on the schema `schema` of `client` (a PostgreSQL
 * schema, or a MySQL/MariaDB database; it must already hold the tables: boot the parent
 * first) and running the inbox job when told to go, until the INBOX is empty or `deadlineMs`
 * passes.
 */
export function spawnRunner(opts: {
  name: string;
  client: SharedClient;
  schema: string;
  stack: MailStack;
  mailbox: MailUser;
  deadlineMs: number;
}): Runner {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_CLIENT: opts.client,
    DATABASE_SCHEMA: opts.schema,
    MAIL_SERVER_CA_FILE: opts.stack.caFile,
    MAIL_SERVER_IDLE: 'false',
    STRAPI_TELEMETRY_DISABLED: 'true',
    RUNNER_NAME: opts.name,
    RUNNER_DEADLINE_MS: String(opts.deadlineMs),
    RUNNER_IMAP_PORT: String(opts.stack.imap.tlsPort),
    RUNNER_IMAP_USER: opts.mailbox.address,
    RUNNER_IMAP_PASS: opts.mailbox.password,
    RUNNER_CA_PEM_FILE: opts.stack.caFile,
  };
  const { child, exited, output } = spawnScript(RUNNER, env);
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    exited.then(({ code, signal }) =>
      reject(new Error(`${opts.name} exited (${code ?? signal}) before ready:\n${output()}`))
    );
  });
  const done = new Promise<RunnerSummary>((resolve, reject) => {
    child.on('message', (m: { type: string; summary?: RunnerSummary }) => {
      if (m.type === 'ready') readyResolve();
      if (m.type === 'done') resolve(m.summary!);
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`${opts.name} exited (${code ?? signal}) without a summary`))
    );
  });
  ready.catch(() => undefined);
  done.catch(() => undefined);
  return {
    child,
    name: opts.name,
    ready,
    done,
    exited,
    go: () => child.send({ type: 'go' }),
    output,
  };
}

/** The Message-ID of every message in `folder` (duplicates kept). */
export async function messageIdsIn(stack: MailStack, user: MailUser, folder: string) {
  const c = await connect(stack, user);
  try {
    const lock = await c.getMailboxLock(folder);
    try {
      const out: string[] = [];
      if (!c.mailbox || c.mailbox.exists === 0) return out;
      for await (const msg of c.fetch('1:*', { envelope: true })) {
        out.push(msg.envelope?.messageId ?? '');
      }
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await c.logout();
  }
}
