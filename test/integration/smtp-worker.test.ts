/**
 * The SMTP sender with its pool in a worker thread (dist/server/smtp-worker.js, built by
 * `npm run build`), against a scripted SMTP server on loopback: messages arrive whole
 * (attachments given as streams included), server refusals and a dead port come back with
 * the same codes as in this thread, and an OAuth2 token failure (asked for by the worker, raised
 * in the main thread) comes back as the very error the token source raised.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { simpleParser } from 'mailparser';
import { createSmtpSender, type MailSender } from '../../server/src/mail/smtp-sender';
import { MailError } from '../../server/src/mail/errors';
import { startScriptedSmtp, type Answer, type ScriptedSmtp } from '../helpers/scripted-smtp';
import { startMailStack } from '../mailstack';
import type { MailStack } from '../mailstack/types';

const WORKER = path.resolve(import.meta.dirname, '../../dist/server/smtp-worker.js');

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

  before(async () => {
    assert.ok(fs.existsSync(WORKER), `${WORKER} exists (npm run build)`);
    server = await startScriptedSmtp((n) => answers[n - 1] ?? null);
    stack = await startMailStack();
  });
  after(async () => {
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
    assert.match(result.messageId, /^<.+@.+>$/);
    assert.deepEqual(result.accepted, ['someone@example.test']);
    const mail = await simpleParser(server.accepted.at(-1)!);
    assert.equal(mail.subject, 'through the worker');
    assert.equal(mail.messageId, result.messageId);
    assert.ok(mail.attachments[0]?.content.equals(bytes), 'attachment bytes equal');
    assert.equal(s.isIdle(), true);
  });

  test('a refusal and a dead port keep their codes', async () => {
    const s = sender(server.port);
    answers = [...Array(server.attempts()).fill(null), { code: 550, message: 'No such user' }];
    const refused = await s.send({ to: 'x@example.test', subject: 'r', text: 'r' }).catch((e) => e);
    assert.ok(refused instanceof MailError);
    assert.equal(refused.code, 'EMESSAGE');
    assert.equal(refused.responseCode, 550);

    const dead = sender(await closedPort());
    const down = await dead.send({ to: 'x@example.test', subject: 'd', text: 'd' }).catch((e) => e);
    assert.ok(down instanceof MailError);
    assert.equal(down.code, 'ECONNECTION');
    await assert.rejects(dead.verify(), { code: 'ECONNECTION' });
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
    assert.ok(asked >= 1, 'the worker asked the main thread for a token');
    assert.equal(err, tokenError, 'the very error the token source raised');
  });

  test('close ends the thread; a closed sender refuses at once', async () => {
    const s = sender(server.port);
    await s.send({ to: 'x@example.test', subject: 'last', text: 'x' });
    await s.close();
    await assert.rejects(s.send({ to: 'x@example.test', subject: 'after', text: 'x' }), {
      code: 'ECONNECTION',
    });
  });
});
