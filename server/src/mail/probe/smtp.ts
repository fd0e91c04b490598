/**
 * The SMTP "Test" button: resolves, connects, does TLS, reads the greeting and EHLO, logs in
 * and optionally sends a real message, timing and explaining each step. Server-side failures
 * are results; only programming errors throw.
 */
import crypto from 'node:crypto';
import tls from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import MailComposer from 'nodemailer/lib/mail-composer';
import XOAuth2 from 'nodemailer/lib/xoauth2';
import { DEFAULT_TIMEOUT_MS, describeTls, tlsOptions, withTimeout } from '../connection';
import { diagnose, diagnoseTokenError } from '../diagnose';
import type { MailError } from '../errors';
import { openConnection, type SocketHolder } from './connect';
import { checkProbeInput } from './input';
import { ProbeSteps, stopwatch } from './steps';
import { SmtpTranscript, closeSmtp, smtpCall } from '../smtp/session';
import {
  authContext,
  isOAuth2,
  type Endpoint,
  type MailAuth,
  type ProbeResult,
  type ProbeStepName,
  type TlsSettings,
} from '../types';

/**
 * The test message: `from` is the address (the diagnoses name it), `fromName` the display name
 * the section configures, so that the test shows the sender recipients will really see.
 */
export type TestMessage = {
  from: string;
  fromName?: string;
  to: string;
  subject?: string;
  text?: string;
  /** fixed by the caller when it logs the message under this Message-ID */
  messageId?: string;
};

export type SmtpProbeInput = {
  endpoint: Endpoint;
  auth?: MailAuth;
  tls?: TlsSettings;
  /** per step; default 10 s, about what a dead host takes to give up */
  timeoutMs?: number;
  /** send a real test message as the last step */
  send?: TestMessage;
};

export async function probeSmtp(input: SmtpProbeInput): Promise<ProbeResult> {
  const { endpoint, auth } = input;
  // STARTTLS happens after the greeting, so the steps are listed in the order they run.
  const order: ProbeStepName[] =
    endpoint?.security === 'starttls'
      ? ['resolve', 'connect', 'greeting', 'tls', 'authenticate', 'send']
      : ['resolve', 'connect', 'tls', 'greeting', 'authenticate', 'send'];
  const steps = new ProbeSteps(order, (err, step) => diagnose(err, context(input, step)));
  const invalid = checkProbeInput(input);
  if (invalid) {
    steps.fail('resolve', 0, invalid);
    return steps.result(invalid);
  }
  const ms = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const holder: SocketHolder = {};
  let conn: SMTPConnection | undefined;
  try {
    const socket = await openConnection(input, ms, steps, holder);
    const transcript = new SmtpTranscript();
    const session = new SMTPConnection({
      host: endpoint.host,
      port: endpoint.port,
      connection: socket,
      secure: endpoint.security === 'tls',
      secured: endpoint.security === 'tls',
      requireTLS: endpoint.security === 'starttls',
      ignoreTLS: endpoint.security === 'none',
      tls: tlsOptions(endpoint, input.tls),
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
      socketCloseTimeout: 1000,
      logger: transcript.logger,
      transactionLog: true,
    });
    conn = session;
    // Failures are delivered to the pending call; this keeps a late one from crashing.
    session.on('error', () => undefined);

    steps.begin('greeting');
    await withTimeout(
      smtpCall<void>(session, (done) => session.connect((err) => done(err))),
      ms,
      'Greeting and EHLO'
    ).catch((e) => {
      throw greetingFailure(e, steps.lap(), transcript);
    });
    const total = steps.lap();
    const upgradeMs = transcript.upgradeMs();
    if (endpoint.security === 'starttls') {
      const upgraded = session._socket;
      const facts = upgraded instanceof tls.TLSSocket ? describeTls(upgraded) : { detail: '' };
      const status = facts.warning ? 'warning' : 'ok';
      steps.record('tls', status, upgradeMs, `STARTTLS, ${withWarning(facts)}`);
    }
    const greeting = describeGreeting(transcript, input);
    const greetingStatus = greeting.warning ? 'warning' : 'ok';
    steps.record('greeting', greetingStatus, total - upgradeMs, withWarning(greeting));

    if (auth) {
      const how = await steps.run('authenticate', () => login(session, auth, ms));
      steps.ok('authenticate', how);
    } else {
      steps.skip('authenticate', 'no user name given: the server must accept mail without login');
    }

    const send = input.send;
    if (send) {
      const sent = await steps.run('send', () => sendTestMessage(session, send, ms));
      steps.ok('send', sent.detail, sent.warning);
    } else {
      steps.skip('send', 'no test recipient given');
    }
    return steps.result();
  } catch (err) {
    return steps.failed(err);
  } finally {
    if (conn) closeSmtp(conn);
    else holder.socket?.destroy();
  }

  /** A TLS failure after a proper 220 greeting is the STARTTLS step failing, not the greeting. */
  function greetingFailure(e: unknown, elapsed: number, transcript: SmtpTranscript): MailError {
    const error = diagnose(e, context(input, 'greeting'));
    const greeted = /^220[ -]/.test(transcript.greeting ?? '');
    if (error.code === 'ETLS' && greeted && endpoint.security === 'starttls') {
      const upgradeMs = transcript.upgradeMs();
      const greeting = withWarning(describeGreeting(transcript, input));
      steps.record('greeting', 'ok', Math.max(0, elapsed - upgradeMs), greeting);
      return steps.fail('tls', upgradeMs, error);
    }
    return steps.fail('greeting', elapsed, error);
  }
}

function context(input: SmtpProbeInput, step: ProbeStepName) {
  return {
    protocol: 'smtp' as const,
    step,
    endpoint: input.endpoint,
    ...authContext(input.auth),
    from: input.send?.from,
  };
}

function withWarning(facts: { detail: string; warning?: string }): string {
  return facts.warning ? `${facts.detail} — ${facts.warning}` : facts.detail;
}

function describeGreeting(transcript: SmtpTranscript, input: SmtpProbeInput) {
  const banner = (transcript.greeting ?? '').split(/\r?\n/)[0];
  const extensions = transcript.extensions().filter((e) => !/^AUTH[ =]/i.test(e));
  const mechanisms = transcript.authMechanisms();
  const parts = [banner, `extensions: ${extensions.join(', ') || 'none'}`];
  parts.push(`AUTH: ${mechanisms.join(' ') || 'none offered'}`);
  let warning: string | undefined;
  if (isOAuth2(input.auth) && !mechanisms.includes('XOAUTH2')) {
    warning = 'XOAUTH2 is not offered, so the OAuth2 login will fail';
  } else if (input.auth && !mechanisms.length) {
    warning = 'the server offers no login (AUTH) on this connection';
  }
  return { detail: parts.join('; '), warning };
}

/**
 * Logs in. For OAuth2 the token is fetched right now; when the server answers XOAUTH2 with an
 * error challenge (334) nodemailer asks once more with `forceRefresh`.
 */
async function login(conn: SMTPConnection, auth: MailAuth, ms: number): Promise<string> {
  if (!isOAuth2(auth)) {
    await withTimeout(
      smtpCall<void>(conn, (done) =>
        conn.login({ user: auth.user, pass: auth.pass }, (e) => done(e))
      ),
      ms,
      'Login'
    );
    return `logged in as ${auth.user}`;
  }
  let tokenError: unknown;
  let tokenMs = 0;
  const oauth2 = new XOAuth2(
    {
      user: auth.user,
      provisionCallback: (_user, renew, callback) => {
        const t = stopwatch();
        auth.getAccessToken(renew ? { forceRefresh: true } : undefined).then(
          (token) => {
            tokenMs += t();
            callback(null, token);
          },
          (err: unknown) => {
            // nodemailer rewrites the code of the error it gets; keep ours intact.
            tokenError = err;
            callback(new Error('access token unavailable'));
          }
        );
      },
    },
    false
  );
  try {
    await withTimeout(
      smtpCall<void>(conn, (done) =>
        conn.login({ user: auth.user, method: 'XOAUTH2', oauth2 }, (e) => done(e))
      ),
      ms,
      'OAuth2 login'
    );
  } catch (err) {
    throw tokenError === undefined ? err : diagnoseTokenError(tokenError);
  }
  return `logged in as ${auth.user} with XOAUTH2 (access token obtained in ${tokenMs} ms)`;
}

async function sendTestMessage(
  conn: SMTPConnection,
  send: NonNullable<SmtpProbeInput['send']>,
  ms: number
): Promise<{ detail: string; warning?: string }> {
  const messageId = send.messageId ?? testMessageId(send.from);
  const mail = new MailComposer({
    from: send.fromName ? { name: send.fromName, address: send.from } : send.from,
    to: send.to,
    subject: send.subject ?? 'Test message from Strapi (Mail Server settings)',
    text:
      send.text ??
      'This message was sent by the Test button of the Mail Server settings in Strapi.',
    messageId,
    // Ask auto-responders and out-of-office replies to stay quiet.
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  }).compile();
  const envelope = mail.getEnvelope();
  const raw = await mail.build();
  const info = await withTimeout(
    smtpCall<SMTPConnection.SentMessageInfo>(conn, (done) =>
      conn.send({ from: envelope.from || undefined, to: envelope.to }, raw, (err, value) =>
        done(err, value)
      )
    ),
    ms,
    'Sending the test message'
  );
  const serverId = info.serverMessageId ? ` (server id ${info.serverMessageId})` : '';
  const warning = info.rejected.length ? `rejected: ${info.rejected.join(', ')}` : undefined;
  return {
    detail: `Message-ID ${messageId}${serverId} accepted for ${info.accepted.join(', ')}; server: ${info.response}`,
    warning,
  };
}

/** A Message-ID for a test message, on the sender's domain like the server's own would be. */
export function testMessageId(from: string): string {
  const domain = from.match(/@([^>\s]+)/)?.[1] ?? 'localhost';
  return `<probe.${crypto.randomUUID()}@${domain}>`;
}
