/**
 * The IMAP "Test" button: resolves, connects, does TLS, reads the greeting and capabilities,
 * logs in, checks the mailbox and the processed folder, timing and explaining each step.
 * Server-side failures are results; only programming errors throw.
 */
import { ImapFlow } from 'imapflow';
import { DEFAULT_TIMEOUT_MS, tlsOptions, withTimeout } from '../connection';
import { diagnose, diagnoseTokenError } from '../diagnose';
import {
  closeImap,
  describeCapabilities,
  greetingError,
  ImapTranscript,
  isAuthFailure,
  mailboxStatus,
  probeTransport,
  type Upgrade,
} from '../imap/session';
import { openConnection, type SocketHolder } from './connect';
import { checkProbeInput } from './input';
import { ProbeSteps, stopwatch } from './steps';
import {
  authContext,
  isOAuth2,
  type Endpoint,
  type MailAuth,
  type ProbeResult,
  type ProbeStepName,
  type TlsSettings,
} from '../types';

export type ImapProbeInput = {
  endpoint: Endpoint;
  auth?: MailAuth;
  tls?: TlsSettings;
  /** per step; default 10 s */
  timeoutMs?: number;
  /** the mailbox the plugin reads; default INBOX */
  mailbox?: string;
  /** where handled messages are moved; created on first use when missing */
  processedFolder?: string;
};

type Token = { token?: string; error?: unknown; ms: number };

export async function probeImap(input: ImapProbeInput): Promise<ProbeResult> {
  const { endpoint, auth } = input;
  const order: ProbeStepName[] =
    endpoint?.security === 'starttls'
      ? ['resolve', 'connect', 'greeting', 'tls', 'authenticate', 'mailbox', 'folder']
      : ['resolve', 'connect', 'tls', 'greeting', 'authenticate', 'mailbox', 'folder'];
  const steps = new ProbeSteps(order, (err, step) => diagnose(err, context(input, step)));
  const invalid = checkProbeInput(input);
  if (invalid) {
    steps.fail('resolve', 0, invalid);
    return steps.result(invalid);
  }
  const ms = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const mailbox = input.mailbox?.trim() || 'INBOX';
  // imapflow takes the token up front, so it is fetched while DNS and TCP are in progress.
  const pendingToken = isOAuth2(auth) ? fetchToken(auth) : undefined;
  const holder: SocketHolder = {};
  let client: ImapFlow | undefined;
  let loggedIn = false;
  try {
    const socket = await openConnection(input, ms, steps, holder);
    const token = pendingToken
      ? await withTimeout(pendingToken, ms, 'The access token request').catch(
          (error: unknown): Token => ({ error, ms })
        )
      : undefined;
    const upgrade: { value?: Upgrade } = {};
    const transcript = new ImapTranscript();
    const login =
      auth && (!token || token.token) ? { user: auth.user, ...secretOf(auth, token) } : undefined;
    client = new ImapFlow({
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.security === 'tls',
      // STARTTLS is required (a server without it fails with ETLS) or never attempted.
      doSTARTTLS:
        endpoint.security === 'starttls' ? true : endpoint.security === 'none' ? false : undefined,
      auth: login,
      tls: tlsOptions(endpoint, input.tls),
      transport: probeTransport(socket, endpoint, input.tls, holder, upgrade),
      logger: false,
      emitLogs: true,
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
      disableAutoIdle: true,
      disableCompression: true,
      clientInfo: { name: 'strapi-plugin-mail-server' },
    });
    client.on('error', () => undefined); // failures reach the pending call; no crash on late ones
    transcript.attach(client);
    const session = client;

    steps.begin('greeting');
    const sessionTime = stopwatch();
    // connect() spans greeting, STARTTLS and login; imapflow bounds each with `ms` itself,
    // this is the backstop for the three together.
    const failure = await withTimeout(session.connect(), ms * 3, 'IMAP session setup', () =>
      session.close()
    ).then(
      () => undefined,
      (e: unknown) => e
    );
    const total = sessionTime();
    const authAt = transcript.authStartedMs ?? total;
    const upgradeMs = upgrade.value?.ms ?? 0;
    const greeted = session.greeting !== undefined || transcript.authStartedMs !== undefined;
    const noLogin = !login && isAuthFailure(failure);
    // A login refused before AUTHENTICATE went out (LOGINDISABLED) still belongs to its step.
    const loginPhase =
      transcript.authStartedMs !== undefined || (!!login && isAuthFailure(failure));

    if (failure && !noLogin && !loginPhase) {
      const error = diagnose(greetingError(failure, transcript), context(input, 'greeting'));
      const tlsStep = error.code === 'ETLS' && greeted && endpoint.security === 'starttls';
      if (!tlsStep) throw steps.fail('greeting', total, error);
      recordGreeting(steps, session, transcript, auth, authAt - upgradeMs);
      throw steps.fail('tls', upgradeMs, error);
    }
    if (endpoint.security === 'starttls') {
      const facts = upgrade.value?.facts ?? { detail: 'upgraded' };
      const detail = `STARTTLS, ${facts.detail}${facts.warning ? ` — ${facts.warning}` : ''}`;
      steps.record('tls', facts.warning ? 'warning' : 'ok', upgradeMs, detail);
    }
    recordGreeting(steps, session, transcript, auth, authAt - upgradeMs);

    if (!auth) {
      steps.skip('authenticate', 'no user name given');
      steps.skip('mailbox', 'needs a login');
      steps.skip('folder', 'needs a login');
      return steps.result();
    }
    if (token?.error !== undefined) {
      throw steps.fail('authenticate', token.ms, diagnoseTokenError(token.error));
    }
    if (failure) {
      throw steps.fail(
        'authenticate',
        total - authAt,
        diagnose(failure, context(input, 'authenticate'))
      );
    }
    loggedIn = true;
    const how = token
      ? ` with ${oauthMechanism(transcript)} (access token obtained in ${token.ms} ms)`
      : '';
    steps.record('authenticate', 'ok', total - authAt, `logged in as ${auth.user}${how}`);

    const status = await steps.run('mailbox', () => mailboxStatus(session, mailbox, ms));
    steps.ok('mailbox', `${status.messages} messages, ${status.unseen} unseen in ${mailbox}`);

    const folder = input.processedFolder?.trim();
    if (!folder) {
      steps.skip('folder', 'no processed folder configured');
    } else {
      steps.begin('folder');
      const found = await mailboxStatus(session, folder, ms).then(
        (s) => ({ exists: true as const, messages: s.messages }),
        (e: unknown) => {
          const error = diagnose(e, context(input, 'folder'));
          if (error.code !== 'EMAILBOX') throw steps.fail('folder', steps.lap(), error);
          return { exists: false as const };
        }
      );
      // A missing folder is the normal state of a new mailbox, not a warning: the job creates
      // it when it files the first reply (as the Graph probe says too).
      steps.ok(
        'folder',
        found.exists
          ? `folder ${folder} exists (${found.messages} messages)`
          : `folder ${folder} will be created when the first reply is filed`
      );
    }
    return steps.result();
  } catch (err) {
    return steps.failed(err);
  } finally {
    await closeImap(client, loggedIn, holder);
  }
}

function context(input: ImapProbeInput, step: ProbeStepName) {
  return {
    protocol: 'imap' as const,
    step,
    endpoint: input.endpoint,
    ...authContext(input.auth),
  };
}

function recordGreeting(
  steps: ProbeSteps,
  client: ImapFlow,
  transcript: ImapTranscript,
  auth: MailAuth | undefined,
  ms: number
): void {
  const caps = transcript.preAuthCapabilities(client);
  const described = describeCapabilities(client, caps, isOAuth2(auth));
  const status = described.warning ? 'warning' : 'ok';
  const detail = described.warning
    ? `${described.detail} — ${described.warning}`
    : described.detail;
  steps.record('greeting', status, Math.max(0, ms), detail);
}

/** Starts the token request; the result (or error) is kept for the authenticate step. */
async function fetchToken(auth: Extract<MailAuth, { getAccessToken: unknown }>): Promise<Token> {
  const t = stopwatch();
  try {
    return { token: await auth.getAccessToken(), ms: t() };
  } catch (error) {
    return { error: error ?? new Error('token source failed'), ms: t() };
  }
}

function secretOf(
  auth: MailAuth,
  token: Token | undefined
): { pass?: string; accessToken?: string } {
  return isOAuth2(auth) ? { accessToken: token?.token } : { pass: auth.pass };
}

function oauthMechanism(transcript: ImapTranscript): string {
  return transcript.capabilities.includes('AUTH=OAUTHBEARER') ? 'OAUTHBEARER' : 'XOAUTH2';
}
