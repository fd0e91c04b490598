/**
 * Sending: the SMTP (or Graph) sender built from the saved settings, rebuilt when they change
 * (the next send uses the new settings; sends in flight finish on the old pool, which then
 * closes). The first attempt goes out at once; a transient failure hands the composed message
 * to the outbox (services/outbox.ts) before send() resolves; every outcome is in the delivery
 * log, which is the outbox's table.
 */
import type { Core } from '@strapi/strapi';
import {
  composedOf,
  createGraphSender,
  createSmtpSender,
  isOAuth2,
  isTransient,
  MailError,
  type ComposedMessage,
  type MailSender,
  type OutgoingMessage,
  type SendResult,
} from '../mail';
import { PluginError } from '../errors';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';
import { trustedCas } from '../utils/tls';
import { graphHost, isConfigured } from '../settings/model';
import { describeRecipients } from './outbound-messages';

export interface SendDefaults {
  from?: string;
  replyTo?: string;
}

export type Capabilities = {
  transport?: {
    host?: string;
    port?: number;
    secure?: boolean;
    pool?: boolean;
    maxConnections?: number;
  };
  auth?: { type?: string; user?: string };
  features?: string[];
};

/** A configuration problem found while building the sender is an ECONFIG send error. */
function configAuth<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    // A send fails with a MailError (what the provider's callers match on); same code, same fix.
    throw new MailError('ECONFIG', err.message, { diagnosis: err.message, fix: err.fix });
  }
}

/** Strapi passes '' for an unset default: that is "not given", not an address. */
const given = <T>(v: T): T | undefined =>
  typeof v === 'string' && v.trim() === '' ? undefined : v;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const asMailError = (err: unknown): MailError =>
  err instanceof MailError
    ? err
    : new MailError('EUNKNOWN', (err as Error)?.message ?? String(err), {
        diagnosis: 'Unexpected error while sending.',
        cause: err,
      });

export default ({ strapi }: { strapi: Core.Strapi }) => {
  type Active = { revision: number; sender: MailSender; from?: string; replyTo?: string };
  let current: Active | null = null;
  let building: Promise<Active> | null = null;
  const retiring = new Set<MailSender>();
  let unsubscribe: (() => void) | null = null;
  const settings = () => getService(strapi, 'settings');
  // Who wants to know the sender and reply-to the saved settings give (Strapi's email page).
  const defaultsListeners = new Set<(defaults: SendDefaults) => void>();
  const publishDefaults = (next: Active | null) => {
    for (const listener of defaultsListeners)
      listener(next ? { from: next.from, replyTo: next.replyTo } : {});
  };

  function retire(sender: MailSender) {
    retiring.add(sender);
    void sender.close().finally(() => retiring.delete(sender));
  }

  async function build(revision: number): Promise<Active> {
    const section = await settings().getEffective('smtp');
    if (!isConfigured(section)) {
      throw new MailError('ECONFIG', 'No SMTP server is configured.', {
        diagnosis: 'Strapi cannot send email: no SMTP server is configured.',
        fix: 'Fill in the SMTP section in Settings → Mail Server, save, and press Test.',
      });
    }
    const config = getPluginConfig(strapi);
    const auth = configAuth(() => getService(strapi, 'oauth-token').authFor('smtp', section));
    const tls = { ca: trustedCas(config) };
    const timeoutMs = config.timeoutSeconds * 1000;
    if (section.transport === 'graph' && !isOAuth2(auth)) {
      throw new MailError('ECONFIG', 'Microsoft Graph needs OAuth2.', {
        diagnosis: 'The SMTP section sends through Microsoft Graph, but OAuth2 is off.',
        fix: 'Tick "Use OAuth2" in the SMTP section (or in the app config) and fill in the app registration.',
      });
    }
    const sender: MailSender =
      section.transport === 'graph' && isOAuth2(auth)
        ? createGraphSender({
            host: graphHost(section),
            mailbox: section.username,
            auth,
            tls,
            timeoutMs,
          })
        : createSmtpSender({
            endpoint: { host: section.host, port: section.port, security: section.security },
            auth,
            tls,
            timeoutMs,
            maxConnections: config.send.maxConnections,
            maxMessages: config.send.maxMessagesPerConnection,
          });
    const from = section.fromAddress
      ? section.fromName
        ? `"${section.fromName.replace(/["\\]/g, '')}" <${section.fromAddress}>`
        : section.fromAddress
      : undefined;
    return { revision, sender, from, replyTo: section.replyTo || undefined };
  }

  /** The sender for the current settings revision (cheap when nothing changed). */
  async function active(): Promise<Active> {
    const revision = await settings().getRevision();
    if (current?.revision === revision) return current;
    if (!building) {
      building = build(revision)
        .then((next) => {
          if (current) retire(current.sender);
          current = next;
          publishDefaults(next);
          return next;
        })
        .finally(() => {
          building = null;
        });
    }
    return building;
  }

  return {
    /**
     * Sends now, and what cannot go now goes to the outbox: resolved means sent, or kept in
     * the database for the next attempts (`queued: true`); a permanent refusal throws.
     */
    async send(
      options: OutgoingMessage,
      defaults: SendDefaults = {}
    ): Promise<SendResult & { queued?: boolean }> {
      const started = Date.now();
      const { retries, retryDelayMs } = getPluginConfig(strapi).send;
      const log = getService(strapi, 'outbound-messages');
      const entry = {
        recipients: describeRecipients(options),
        subject: String(options.subject ?? ''),
      };
      let attempts = 0;
      let revision = 0;
      let composed: ComposedMessage | undefined;
      for (;;) {
        attempts++;
        try {
          const target = await active();
          revision = target.revision;
          const result = composed
            ? await target.sender.sendRaw(composed)
            : await target.sender.send({
                ...options,
                from: given(options.from) ?? target.from ?? defaults.from,
                replyTo: given(options.replyTo) ?? target.replyTo ?? defaults.replyTo,
              });
          log.record({
            ...entry,
            messageId: result.messageId,
            status: 'sent',
            response: result.response,
            attempts,
            durationMs: Date.now() - started,
            revision,
          });
          return result;
        } catch (err) {
          const error = asMailError(err);
          // Composed once: every later attempt sends these bytes, with this Message-ID.
          composed ??= composedOf(err);
          // Nothing composed yet (the sender closed for a settings change, its thread ended):
          // once more at once, through the sender built now.
          const again = !composed && attempts === 1;
          if (isTransient(error) && (attempts <= retries || again)) {
            await sleep(
              again ? 0 : Math.max(retryDelayMs * 4 ** (attempts - 1), error.retryAfterMs ?? 0)
            );
            continue;
          }
          if (isTransient(error) && composed) {
            // Kept before send() resolves: the outbox takes it from here.
            const kept = await getService(strapi, 'outbox')
              .enqueue({
                ...entry,
                composed,
                displayMessageId: composed.messageId,
                attempts,
                error,
                revision,
              })
              .then(
                () => true,
                (err: { code?: string }) => {
                  // Never the database error's text: it can quote the message it failed on.
                  strapi.log.error(
                    `[mail-server] could not keep an email in the outbox (${err?.code ?? 'error'}); it is lost unless the caller sends it again`
                  );
                  return false;
                }
              );
            if (!kept) {
              log.record({
                ...entry,
                status: 'failed',
                errorCode: error.code,
                errorMessage: `${error.diagnosis} It could not be kept for a later attempt either.`,
                attempts,
                durationMs: Date.now() - started,
                revision,
              });
              throw new MailError(error.code, error.message, {
                diagnosis: `${error.diagnosis} The message could not be kept in the outbox (the database refused it), so it was not accepted.`,
                fix: error.fix,
                reason: 'outbox-unavailable',
                responseCode: error.responseCode,
              });
            }
            strapi.log.warn(
              `[mail-server] email queued for a later attempt (${error.code}): ${error.diagnosis}`
            );
            return {
              messageId: composed.messageId,
              accepted: [],
              rejected: [],
              response: `queued: ${error.code}`,
              queued: true,
            };
          }
          log.record({
            ...entry,
            status: 'failed',
            errorCode: error.code,
            errorMessage: `${error.diagnosis}${error.fix ? ` ${error.fix}` : ''}`.slice(0, 2000),
            response: error.response,
            attempts,
            durationMs: Date.now() - started,
            revision,
          });
          strapi.log.warn(
            `[mail-server] email not sent (${error.code}) after ${attempts} attempt(s): ${error.diagnosis}`
          );
          throw error;
        }
      }
    },

    /** A message composed before, through the current settings' sender (the outbox). */
    async sendComposed(composed: ComposedMessage): Promise<SendResult> {
      const target = await active();
      return target.sender.sendRaw(composed);
    },

    async verify(): Promise<void> {
      const target = await active();
      await target.sender.verify();
    },

    isIdle(): boolean {
      return (!current || current.sender.isIdle()) && retiring.size === 0;
    },

    /** What Strapi's Settings → Email page shows; synchronous, so from the last sender built. */
    capabilities(): Capabilities {
      if (!current) {
        void active().catch(() => undefined);
        return { features: ['pool'] };
      }
      const d = current.sender.description;
      const features = ['pool', 'settings-in-admin'];
      if (d.authType === 'OAuth2') features.push('oauth2');
      // STARTTLS is required, never opportunistic (see smtp-pool): the session is TLS either
      // way. Strapi's page can only say STARTTLS for port 587, so it shows TLS plus this mark.
      if (d.security === 'starttls') features.push('requireTLS');
      return {
        transport: {
          host: d.host,
          port: d.port,
          secure: d.security !== 'none',
          pool: true,
          maxConnections: d.maxConnections,
        },
        auth: d.authType ? { type: d.authType, user: d.user } : undefined,
        features,
      };
    },

    /** Warm the sender so the capabilities are known; a missing configuration is fine. */
    async prepare() {
      // A saved change retires the pool at once (sends in flight finish on it), rather than
      // leaving its idle connections open to the old server until the next send.
      unsubscribe ??= settings().onChange((revision) => {
        if (current && current.revision !== revision) {
          retire(current.sender);
          current = null;
        }
        // Build the new sender now, so what Strapi's email page shows is current at once.
        void active().catch(() => publishDefaults(null));
      });
      await active().catch(() => publishDefaults(null));
    },

    /** Calls `listener` with the sender and reply-to of each new SMTP configuration. */
    onDefaults(listener: (defaults: SendDefaults) => void): () => void {
      defaultsListeners.add(listener);
      if (current) listener({ from: current.from, replyTo: current.replyTo });
      return () => defaultsListeners.delete(listener);
    },

    async close(): Promise<void> {
      unsubscribe?.();
      unsubscribe = null;
      defaultsListeners.clear();
      const all = [...retiring];
      if (current) all.push(current.sender);
      current = null;
      await Promise.all(all.map((s) => s.close()));
      retiring.clear();
    },
  };
};
