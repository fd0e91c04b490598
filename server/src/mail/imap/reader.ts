/**
 * Reading a mailbox for the approvals job: messages by UID with BODY.PEEK (never marking
 * unread mail read before it is handled), moved to a folder once handled, and IDLE to hear of
 * new mail at once. One reader is one IMAP connection; `close()` is idempotent.
 */
import { ImapFlow } from 'imapflow';
import { tlsOptions } from '../connection';
import { diagnose } from '../diagnose';
import { MailError } from '../errors';
import type { FetchedMessage, MailboxReader } from '../mailbox';
import { authContext, isOAuth2, type Endpoint, type MailAuth, type TlsSettings } from '../types';

export type MailboxReaderConfig = {
  endpoint: Endpoint;
  auth: MailAuth;
  tls?: TlsSettings;
  timeoutMs: number;
  mailbox: string;
};

export function createMailboxReader(config: MailboxReaderConfig): MailboxReader {
  const { endpoint, auth, timeoutMs, mailbox } = config;
  let client: ImapFlow | null = null;
  let closed = false;
  /** new mail announced since the last batch was read */
  let arrived = false;
  const created = new Set<string>();
  const explain = (err: unknown, step: 'connect' | 'mailbox' | 'authenticate') =>
    err instanceof MailError
      ? err
      : diagnose(err, {
          protocol: 'imap',
          step,
          endpoint,
          ...authContext(auth),
        });

  const connected = () => {
    if (!client || !client.usable) {
      throw new MailError('ECONNECTION', 'The IMAP connection is closed.', {
        diagnosis: 'The connection to the IMAP server was lost.',
        fix: 'It is opened again on the next run.',
      });
    }
    return client;
  };

  return {
    get usable() {
      return !!client?.usable;
    },

    async open() {
      const pass = isOAuth2(auth) ? undefined : auth.pass;
      const accessToken = isOAuth2(auth) ? await auth.getAccessToken() : undefined;
      client = new ImapFlow({
        host: endpoint.host,
        port: endpoint.port,
        secure: endpoint.security === 'tls',
        doSTARTTLS:
          endpoint.security === 'starttls'
            ? true
            : endpoint.security === 'none'
              ? false
              : undefined,
        tls: tlsOptions(endpoint, config.tls),
        auth: accessToken ? { user: auth.user, accessToken } : { user: auth.user, pass },
        logger: false,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: Math.max(timeoutMs * 6, 60_000),
        // Approvals read by UID and move messages themselves; no implicit state changes.
        emitLogs: false,
        disableAutoIdle: true,
      });
      // imapflow emits 'error' on socket trouble; without a listener it would crash Strapi.
      client.on('error', () => undefined);
      // Mail can arrive between a batch and the next IDLE (while the job records and moves):
      // noted here, so that the next wait does not sleep through it.
      client.on('exists', (e: { count: number; prevCount: number }) => {
        if (e.count > e.prevCount) arrived = true;
      });
      try {
        await client.connect();
      } catch (err) {
        throw explain(err, 'connect');
      }
      try {
        const box = await client.mailboxOpen(mailbox);
        return { uidValidity: String(box.uidValidity), exists: box.exists };
      } catch (err) {
        throw explain(err, 'mailbox');
      }
    },

    async fetchBatch(limit, maxBytes, batchBytes = Infinity) {
      const c = connected();
      // What arrives from here on is in this batch or announced after it.
      arrived = false;
      // The session hears of mail delivered since only in answer to a command.
      await c.noop();
      const box = c.mailbox;
      if (!box || box.exists === 0) return [];
      // Sequence numbers 1..limit are the oldest messages; handled ones are moved away, so
      // the head of the mailbox is always what is still to do.
      const range = `1:${Math.min(limit, box.exists)}`;
      const sizes = new Map<number, number>();
      for await (const meta of c.fetch(range, { uid: true, size: true })) {
        sizes.set(meta.uid, meta.size ?? 0);
      }
      const out: FetchedMessage[] = [];
      const wanted: number[] = [];
      const tooLarge: number[] = [];
      // Oldest first, up to the batch's byte budget (a message read whole counts its size).
      let budget = batchBytes;
      for (const uid of [...sizes.keys()].sort((a, b) => a - b)) {
        const size = sizes.get(uid)!;
        const cost = size > maxBytes ? 0 : size;
        if (cost > budget && wanted.length + tooLarge.length > 0) break;
        budget -= cost;
        (size > maxBytes ? tooLarge : wanted).push(uid);
      }
      if (tooLarge.length) {
        // Too big to analyse: handed back without content, with the Message-ID it is
        // recorded under, so the job files it (rare: one more round trip then).
        for await (const msg of c.fetch(
          tooLarge.join(','),
          { uid: true, envelope: true },
          { uid: true }
        )) {
          out.push({
            uid: msg.uid,
            source: Buffer.alloc(0),
            size: sizes.get(msg.uid) ?? 0,
            messageId: msg.envelope?.messageId || undefined,
          });
        }
      }
      if (wanted.length) {
        // One FETCH for the whole batch (BODY.PEEK[]): a round trip per message would
        // dominate the job's time.
        for await (const msg of c.fetch(
          wanted.join(','),
          { uid: true, source: true },
          { uid: true }
        )) {
          if (msg.source)
            out.push({ uid: msg.uid, source: msg.source, size: sizes.get(msg.uid) ?? 0 });
        }
      }
      return out.sort((a, b) => a.uid - b.uid);
    },

    async move(uids, folder) {
      const list = ([] as number[]).concat(uids);
      if (list.length === 0) return;
      const c = connected();
      if (!created.has(folder)) {
        try {
          await c.mailboxCreate(folder);
        } catch (err) {
          // ALREADYEXISTS is the normal case after the first run.
          const e = err as { serverResponseCode?: string; responseText?: string };
          if (e.serverResponseCode !== 'ALREADYEXISTS' && !/exists/i.test(e.responseText ?? '')) {
            throw explain(err, 'mailbox');
          }
        }
        created.add(folder);
      }
      const moved = await c.messageMove(list.join(','), folder, { uid: true });
      if (!moved) {
        throw new MailError('EMAILBOX', `Messages could not be moved to ${folder}.`, {
          diagnosis: `The server refused to move a message to the folder "${folder}".`,
          fix: 'Check that the account may create and write to that folder.',
        });
      }
    },

    async waitForMail(ms, signal) {
      const c = connected();
      if (arrived) return true;
      return new Promise<boolean>((resolve) => {
        let settled = false;
        const finish = (value: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          c.off('exists', onExists);
          c.off('close', onClose);
          signal?.removeEventListener('abort', onClose);
          resolve(value);
        };
        const onExists = () => finish(true);
        const onClose = () => finish(false);
        const timer = setTimeout(() => finish(false), ms);
        c.on('exists', onExists);
        c.on('close', onClose);
        if (signal?.aborted) return finish(false);
        signal?.addEventListener('abort', onClose);
        // idle() resolves when IDLE ends; any command (or the timer's noop) breaks it.
        c.idle().catch(() => finish(false));
      }).finally(async () => {
        if (client?.usable) await client.noop().catch(() => undefined);
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      const c = client;
      client = null;
      if (!c) return;
      try {
        await c.logout();
      } catch {
        c.close();
      }
    },
  };
}
