/**
 * The two readers of the approvals mailbox (IMAP, and Microsoft Graph through the local Graph)
 * against the same Dovecot mailbox: a batch is bounded in bytes as well as in count (oldest
 * first, at least one message), what is left stays for the next batch, and a message over the
 * analyser's limit comes without its content but with its Message-ID.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  createGraphMailboxReader,
  createMailboxReader,
  createTokenSource,
  type MailboxReader,
  type TokenSource,
} from '../../server/src/mail';
import { appendRaw } from '../helpers/mailbox';
import { startMailStack } from '../mailstack';
import type { MailStack, MailUser } from '../mailstack/types';

const MB = 1024 * 1024;

/** A message of about `size` bytes whose subject says its place. */
const message = (user: MailUser, n: number, size: number) =>
  [
    `From: someone@example.test`,
    `To: ${user.address}`,
    `Subject: message ${n}`,
    `Message-ID: <reader-${n}-${crypto.randomBytes(4).toString('hex')}@example.test>`,
    '',
    ...Array.from({ length: Math.ceil(size / 78) }, () => 'x'.repeat(76)),
  ].join('\r\n');

describe('mailbox readers: batches bounded in bytes', () => {
  let stack: MailStack;
  let user: MailUser;
  let tokens: TokenSource;
  const readers: MailboxReader[] = [];

  const imap = () => {
    const reader = createMailboxReader({
      endpoint: { host: '127.0.0.1', port: stack.imap.tlsPort, security: 'tls' },
      auth: { user: user.address, pass: user.password },
      tls: { ca: [stack.caPem] },
      timeoutMs: 10_000,
      mailbox: 'INBOX',
    });
    readers.push(reader);
    return reader;
  };
  const graph = () => {
    const reader = createGraphMailboxReader({
      host: stack.graph.host,
      mailbox: user.address,
      folder: 'INBOX',
      auth: { user: user.address, getAccessToken: (o) => tokens.getAccessToken(o) },
      tls: { ca: [stack.caPem] },
      timeoutMs: 10_000,
    });
    readers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    stack = await startMailStack();
    user = stack.users.find((u) => u.address === stack.idp.client.mailbox)!;
    const c = stack.idp.client;
    tokens = createTokenSource(
      {
        grant: 'client_credentials',
        tenantId: c.tenantId,
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        authorityHost: stack.idp.authorityHost,
        scopes: ['https://graph.microsoft.com/.default'],
      },
      { ca: [stack.caPem] }
    );
  });
  afterAll(async () => {
    await Promise.all(readers.map((r) => r.close()));
    tokens?.close();
    await stack?.stop();
  });

  test.each([
    ['IMAP', imap],
    ['Microsoft Graph', graph],
  ] as const)(
    '%s: three messages of 1 MB with a 1.5 MB budget come one by one, oldest first; one over the limit comes empty with its Message-ID',
    async (_name, make) => {
      for (const n of [1, 2, 3]) await appendRaw(stack, user, message(user, n, MB));
      const reader = make();
      await reader.open();
      const seen: string[] = [];
      for (let batch = 0; batch < 3; batch++) {
        const messages = await reader.fetchBatch(50, 10 * MB, 1.5 * MB);
        expect(messages.length).toBe(1);
        seen.push(/^Subject: (.+)$/m.exec(messages[0]!.source.toString('latin1'))![1]!.trim());
        await reader.move(
          messages.map((m) => m.uid),
          'Read'
        );
      }
      expect(seen).toStrictEqual(['message 1', 'message 2', 'message 3']);
      expect(await reader.fetchBatch(50, 10 * MB, 1.5 * MB)).toStrictEqual([]);

      // Over the analyser's limit (here 0.5 MB): no content, its size and its Message-ID.
      const big = message(user, 4, MB);
      await appendRaw(stack, user, big);
      const [large] = await reader.fetchBatch(50, 0.5 * MB, 1.5 * MB);
      expect([large?.source.length, large!.size > 0.5 * MB]).toStrictEqual([0, true]);
      expect(large?.messageId).toBe(/^Message-ID: (.+)$/m.exec(big)![1]!.trim());
      await reader.move([large!.uid], 'Read');
    }
  );
});
