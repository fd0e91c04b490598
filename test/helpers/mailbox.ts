/**
 * Reads what arrived in a Dovecot mailbox of the test stack, parsed with mailparser, so tests
 * compare headers, bodies and attachment bytes with what was sent.
 */
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { MailStack as FullStack, MailUser } from '../mailstack/types';

/** What these helpers use of a stack (benchmarks run it in a child process). */
type MailStack = Pick<FullStack, 'imap' | 'smtp' | 'caPem' | 'caFile'>;

/** A logged-in IMAP client for a stack user, over implicit TLS with the stack's CA. */
export async function connect(stack: MailStack, user: MailUser): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: stack.imap.tlsPort,
    secure: true,
    tls: { ca: [stack.caPem] },
    auth: { user: user.address, pass: user.password },
    logger: false,
  });
  await client.connect();
  return client;
}

export async function readMailbox(
  stack: MailStack,
  user: MailUser,
  filter: { subject?: string } = {},
  folder = 'INBOX'
): Promise<ParsedMail[]> {
  const client = await connect(stack, user);
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      const uids = await client.search(
        filter.subject ? { subject: filter.subject } : { all: true },
        {
          uid: true,
        }
      );
      const out: ParsedMail[] = [];
      if (!uids || uids.length === 0) return out;
      for await (const msg of client.fetch(uids, { source: true }, { uid: true })) {
        if (msg.source) out.push(await simpleParser(msg.source));
      }
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/**
 * The messages matching `filter` once there are some (bounded): mail sent through the outbox
 * arrives a moment after the call that queued it returned.
 */
export async function waitForMail(
  stack: MailStack,
  user: MailUser,
  filter: { subject?: string },
  ms = 15_000
): Promise<ParsedMail[]> {
  const end = Date.now() + ms;
  for (;;) {
    const found = await readMailbox(stack, user, filter);
    if (found.length > 0 || Date.now() > end) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Puts a raw message straight into a mailbox (as a delivery would), for crafted mail. */
export async function appendRaw(
  stack: MailStack,
  user: MailUser,
  raw: string | Buffer,
  folder = 'INBOX'
) {
  const client = await connect(stack, user);
  try {
    await client.append(folder, raw);
  } finally {
    await client.logout();
  }
}

/** Names and message counts of every folder of a mailbox. */
export async function folderCounts(
  stack: MailStack,
  user: MailUser
): Promise<Record<string, number>> {
  const client = await connect(stack, user);
  try {
    const out: Record<string, number> = {};
    for (const box of await client.list()) {
      const status = await client.status(box.path, { messages: true });
      out[box.path] = status ? (status.messages ?? 0) : 0;
    }
    return out;
  } finally {
    await client.logout();
  }
}
