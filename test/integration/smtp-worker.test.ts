/**
 * The SMTP sender with its pool in a worker thread (dist/server/smtp-worker.js, built by
 * `npm run build`), against a scripted SMTP server on loopback: messages arrive whole
 * (attachments given as streams included), server refusals and a dead port come back with
 * the same codes as in this thread, and an OAuth2 token failure (asked for by the worker, raised
 * in the main thread) comes back as the error the token source raised.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { simpleParser } from 'mailparser';
import { createSmtpSender, type MailSender } from '../../server/src/mail/smtp/sender';
import { MailError } from '../../server/src/mail/errors';
import { composedOf } from '../../server/src/mail/compose';
import { isTransient } from '../../server/src/mail/smtp/retry';
import { startScriptedSmtp, type Answer, type ScriptedSmtp } from '../helpers/scripted-smtp';
import { startMailStack } from '../mailstack';
import type { MailStack } from '../mailstack/types';

const WORKER = path.resolve(__dirname, '../../dist/server/smtp-worker.js');

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('the SMTP pool in a worker thread', () => {
  let server: ScriptedSmtp;
  let stack: MailStack;
  let answers: Answer[] = [];
  const senders: MailSender[] = [];
  const sender = (port: number, extra: object = {}) => {
    const s = createSmtpSender({
      endpoint: { host: '127.0.0.1', port, security: 'none' },
      timeoutMs: 5_000,
      maxConnections: 2,
      maxMessages: 100,
      workerFile: WORKER,
      ...extra,
    });
    senders.push(s);
    return s;
  };

  beforeAll(async () => {
    expect(fs.existsSync(WORKER)).toBeTruthy();
    server = await startScriptedSmtp((n) => answers[n - 1] ?? null);
    stack = await startMailStack();
  });
  afterAll(async () => {
    await Promise.all(senders.map((s) => s.close()));
    await server?.close();
    await stack?.stop();
  });

  test('a message with a stream attachment arrives whole', async () => {
    const s = sender(server.port);
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256));
    const result = await s.send({
      from: 'app@example.test',
      to: 'someone@example.test',
      subject: 'through the worker',
      text: 'hello',
      attachments: [
        {
          filename: 'data.bin',
          content: Readable.from([bytes.subarray(0, 30_000), bytes.subarray(30_000)]),
        },
      ],
    });
    expect(result.messageId).toMatch(/^<.+@.+>$/);
    expect(result.accepted).toStrictEqual(['someone@example.test']);
    const mail = await simpleParser(server.accepted.at(-1)!);
    expect(mail.subject).toBe('through the worker');
    expect(mail.messageId).toBe(result.messageId);
    expect(mail.attachments[0]?.content.equals(bytes)).toBeTruthy(); // attachment bytes equal
    expect(s.isIdle()).toBe(true);
  });

  test('a refusal and a dead port keep their codes', async () => {
    const s = sender(server.port);
    answers = [...Array(server.attempts()).fill(null), { code: 550, message: 'No such user' }];
    const refused = await s.send({ to: 'x@example.test', subject: 'r', text: 'r' }).catch((e) => e);
    expect(refused instanceof MailError).toBeTruthy();
    expect(refused.code).toBe('EMESSAGE');
    expect(refused.responseCode).toBe(550);

    const dead = sender(await closedPort());
    const down = await dead.send({ to: 'x@example.test', subject: 'd', text: 'd' }).catch((e) => e);
    expect(down instanceof MailError).toBeTruthy();
    expect(down.code).toBe('ECONNECTION');
    await expect(dead.verify()).rejects.toMatchObject({ code: 'ECONNECTION' });
  });

  test('a failed attempt hands back the composed message; sent again it arrives byte for byte, same Message-ID', async () => {
    const s = sender(server.port);
    answers = [...Array(server.attempts()).fill(null), { code: 421, message: 'Try again later' }];
    const failed = await s
      .send({
        from: 'app@example.test',
        to: 'someone@example.test',
        bcc: 'hidden@example.test',
        subject: 'composed once',
        text: 'the same bytes every time',
      })
      .catch((e) => e);
    expect([failed instanceof MailError, failed.responseCode, isTransient(failed)]).toStrictEqual([
      true,
      421,
      true,
    ]);
    const composed = composedOf(failed);
    expect(composed?.envelope).toStrictEqual({
      from: 'app@example.test',
      to: ['someone@example.test', 'hidden@example.test'],
    });
    // Never in what is logged or serialised.
    expect(JSON.stringify(failed)).not.toContain('the same bytes every time');
    const again = await s.sendRaw(composed!);
    expect(again.messageId).toBe(composed!.messageId);
    expect(Buffer.compare(server.accepted.at(-1)!, composed!.raw)).toBe(0);
    const mail = await simpleParser(server.accepted.at(-1)!);
    expect([mail.messageId, mail.bcc]).toStrictEqual([composed!.messageId, undefined]);
  });

  test('an OAuth2 token failure comes back as the token source raised it', async () => {
    const tokenError = new MailError('EOAUTH2', 'AADSTS7000215: Invalid client secret', {
      diagnosis: 'The client secret is wrong.',
    });
    let asked = 0;
    const s = sender(stack.smtp.port, {
      endpoint: { host: '127.0.0.1', port: stack.smtp.port, security: 'starttls' },
      tls: { ca: [stack.caPem] },
      auth: {
        user: stack.users[0]!.address,
        getAccessToken: () => (asked++, Promise.reject(tokenError)),
      },
    });
    const err = await s.send({ to: 'x@example.test', subject: 't', text: 't' }).catch((e) => e);
    expect(asked >= 1).toBeTruthy(); // the worker asked the main thread for a token
    // The error the token source raised (class, code, diagnosis), as a copy that carries this
    // message: one token failure is shared by every send waiting for it.
    expect([err instanceof MailError, err.code, err.diagnosis, err.message]).toStrictEqual([
      true,
      tokenError.code,
      tokenError.diagnosis,
      tokenError.message,
    ]);
    expect(composedOf(err)?.envelope.to).toStrictEqual(['x@example.test']);
    expect(composedOf(tokenError)).toBeUndefined(); // the shared one is left as it was
  });

  test('close ends the thread; a closed sender refuses at once', async () => {
    const s = sender(server.port);
    await s.send({ to: 'x@example.test', subject: 'last', text: 'x' });
    await s.close();
    await expect(
      s.send({ to: 'x@example.test', subject: 'after', text: 'x' })
    ).rejects.toMatchObject({
      code: 'ECONNECTION',
    });
  });
});
