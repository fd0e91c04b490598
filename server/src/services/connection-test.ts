/**
 * The Test buttons: probe the SMTP or IMAP server step by step with the saved settings or with
 * unsaved form values. A failure is a result the page explains, not an HTTP error.
 */
import type { Core } from '@strapi/strapi';
import type {
  ConnectionTestResult,
  ImapTestRequest,
  SmtpTestRequest,
} from '../../../shared/contracts/connection-test';
import {
  isOAuth2,
  probeGraph,
  probeImap,
  probeSmtp,
  testMessageId,
  type MailAuth,
  type ProbeResult,
  type TestMessage,
} from '../mail';
import { errorInfo, graphNeedsOAuth2, PluginError } from '../errors';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';
import { trustedCas } from '../utils/tls';
import { formSection } from '../settings/form-section';
import { replyTrust } from '../approvals/mailbox';
import { graphHost, isConfigured, type Effective, type SectionKind } from '../settings/model';

/**
 * How replies will prove their sender: not a connection step, but the IMAP Test is where an
 * admin looks before relying on approvals, so a forgeable or unprovable setup is said here.
 */
function senderStep(imap: Effective<'imap'>): ConnectionTestResult['steps'][number] {
  const { trust, requireProof } = replyTrust(imap);
  if (!requireProof) {
    return {
      name: 'sender',
      status: 'warning',
      ms: 0,
      detail:
        'From header only: anyone who forges the approver\'s address in From can decide a request. Choose "Verified by our mail server".',
    };
  }
  const sources = [
    ...(trust.authservIds.length
      ? [`Authentication-Results of ${trust.authservIds.join(', ')}`]
      : []),
    ...(trust.exchange ? ['Exchange "AuthAs: Internal"'] : []),
  ];
  return sources.length
    ? {
        name: 'sender',
        status: 'ok',
        ms: 0,
        detail: `Replies are verified by ${sources.join(' or ')}.`,
      }
    : {
        name: 'sender',
        status: 'warning',
        ms: 0,
        detail:
          "No proof source: fill in the receiving server's authserv-id (or tick Exchange); until then every reply is quarantined as unverified-sender.",
      };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = () => getService(strapi, 'settings');

  /** The section to test: the form values (secrets reused only for the same server) or the saved one. */
  async function sectionFor<K extends SectionKind>(kind: K, form: unknown) {
    if (form === undefined)
      return { source: 'saved' as const, section: await settings().getEffective(kind) };
    const saved = await settings()
      .getEffective(kind)
      .catch(() => null);
    const override = getPluginConfig(strapi)[kind];
    return {
      source: 'form' as const,
      // The config's section for this kind (indexing by a generic K widens it to both).
      section: formSection(kind, form as never, saved, override as never),
    };
  }

  async function run<K extends SectionKind>(
    kind: K,
    form: unknown,
    probe: (
      section: Effective<K>,
      auth: MailAuth | undefined
    ) => Promise<Omit<ConnectionTestResult, 'source'>>
  ): Promise<ConnectionTestResult> {
    const started = Date.now();
    let source: ConnectionTestResult['source'] = form === undefined ? 'saved' : 'form';
    try {
      const picked = await sectionFor(kind, form);
      source = picked.source;
      const section = picked.section as Effective<K>;
      if (!isConfigured(section)) {
        throw new PluginError(
          'ECONFIG',
          `No ${kind.toUpperCase()} server is configured.`,
          `Fill in the host of the ${kind.toUpperCase()} section in Settings → Mail Server.`
        );
      }
      const result = await probe(section, getService(strapi, 'oauth-token').authFor(kind, section));
      return { ...result, source };
    } catch (err) {
      if (!(err instanceof PluginError)) throw err;
      return {
        ok: false,
        source,
        steps: [],
        error: errorInfo(err),
        durationMs: Date.now() - started,
      };
    }
  }

  const common = () => {
    const config = getPluginConfig(strapi);
    return { tls: { ca: trustedCas(config) }, timeoutMs: config.timeoutSeconds * 1000 };
  };

  /**
   * A test message is an email Strapi sent (or failed to): it goes into the delivery log like
   * any other, so that "did the test email leave?" has the same answer as for every email.
   */
  async function logTestMessage(message: TestMessage, result: ProbeResult) {
    const step = result.steps.find((s) => s.name === 'send');
    const sent = step?.status === 'ok' || step?.status === 'warning';
    getService(strapi, 'outbound-messages').record({
      recipients: message.to,
      subject: message.subject ?? '',
      messageId: message.messageId,
      status: sent ? 'sent' : 'failed',
      errorCode: sent ? undefined : result.error?.code,
      errorMessage: sent ? undefined : result.error?.diagnosis,
      response: step?.detail,
      attempts: 1,
      durationMs: result.durationMs,
      revision: await settings()
        .getRevision()
        .catch(() => 0),
    });
  }

  return {
    smtp(request: SmtpTestRequest): Promise<ConnectionTestResult> {
      const send = (section: Effective<'smtp'>): TestMessage | undefined => {
        if (!request.to) return undefined;
        const from = section.fromAddress || section.username;
        return {
          from,
          // The From the section's mail really gets: "From name <from address>".
          fromName: section.fromName || undefined,
          to: request.to,
          subject: 'Mail Server test message from Strapi',
          text: 'This message was sent by the Test button in Settings → Mail Server. Sending works.',
          // Graph gives a message its own Message-ID; SMTP keeps this one, logged with it.
          messageId: section.transport === 'graph' ? undefined : testMessageId(from),
        };
      };
      return run('smtp', request.smtp, async (section, auth) => {
        if (section.transport === 'graph' && !isOAuth2(auth)) throw graphNeedsOAuth2('smtp');
        const message = send(section);
        const result =
          section.transport === 'graph' && isOAuth2(auth)
            ? await probeGraph({
                ...common(),
                host: graphHost(section),
                mailbox: section.username,
                auth,
                send: message,
              })
            : await probeSmtp({
                ...common(),
                endpoint: { host: section.host, port: section.port, security: section.security },
                auth,
                send: message,
              });
        if (message) await logTestMessage(message, result);
        return result;
      });
    },

    imap(request: ImapTestRequest): Promise<ConnectionTestResult> {
      return run('imap', request.imap, async (section, auth) => {
        if (section.transport === 'graph' && !isOAuth2(auth)) throw graphNeedsOAuth2('imap');
        const result =
          isOAuth2(auth) && section.transport === 'graph'
            ? await probeGraph({
                ...common(),
                host: graphHost(section),
                mailbox: section.username,
                auth,
                read: { folder: section.mailbox, processedFolder: section.processedFolder },
              })
            : await probeImap({
                ...common(),
                endpoint: { host: section.host, port: section.port, security: section.security },
                auth,
                mailbox: section.mailbox,
                processedFolder: section.processedFolder,
              });
        return { ...result, steps: [...result.steps, senderStep(section)] };
      });
    },
  };
};
