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
  composeOutgoing,
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
import { MICROSOFT_SEND_LIMITS, sendLimitsOf } from '../../../shared/contracts/settings';
import { describeRecipients } from './outbound-messages';
import { describeSent, retryDelay } from './outbox';
import { isWatched, noteWatchedFailure } from '../utils/interactive';
import type { Grant, Limits } from './send-limits';

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

/** Failures of the sending account (its server, the way to it, its login): the streak's. */
const ACCOUNT_FAILURES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'EDNS',
  'ETLS',
  'EAUTH',
  'EOAUTH2',
  'EPROTOCOL',
]);

/** Holds the sending limits put on a message: the outbox keeps it, no server was asked. */
const LOCAL_HOLDS = ['send-limit', 'paused'];
const isLocalHold = (error: MailError) =>
  error.code === 'ETHROTTLED' && LOCAL_HOLDS.includes(error.reason ?? '');

const asMailError = (err: unknown): MailError =>
  err instanceof MailError
    ? err
    : new MailError('EUNKNOWN', (err as Error)?.message ?? String(err), {
        diagnosis: 'Unexpected error while sending.',
        cause: err,
      });

export default ({ strapi }: { strapi: Core.Strapi }) => {
  type Active = {
    revision: number;
    sender: MailSender;
    from?: string;
    replyTo?: string;
    /** the sending account the limits and pauses are counted for */
    account: string;
    /** null: no sending limit (a server's throttling reply still pauses the account) */
    limits: Limits | null;
  };
  let current: Active | null = null;
  let building: Promise<Active> | null = null;
  const retiring = new Set<MailSender>();
  let unsubscribe: (() => void) | null = null;
  const settings = () => getService(strapi, 'settings');
  const sendLimits = () => getService(strapi, 'send-limits');
  // The account's failure streak: a failed attempt counts (a throttle or a hold does not).
  const noteSuccess = (target: Active) =>
    void getService(strapi, 'send-health')
      .succeeded(target.account)
      .catch(() => undefined);
  const noteFailure = (target: Active, error: MailError) => {
    // The account's failures only: the server or the way to it, not one message's refusal.
    if (!ACCOUNT_FAILURES.has(error.code)) return;
    void getService(strapi, 'send-health')
      .failed(target.account, error)
      .catch(() => undefined);
  };
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
    const caps = sendLimitsOf(section);
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
            // Exchange Online refuses a fourth concurrent submission per mailbox (432 4.3.2).
            maxConnections:
              caps.preset === 'microsoft'
                ? Math.min(config.send.maxConnections, MICROSOFT_SEND_LIMITS.connections)
                : config.send.maxConnections,
            maxMessages: config.send.maxMessagesPerConnection,
          });
    const from = section.fromAddress
      ? section.fromName
        ? `"${section.fromName.replace(/["\\]/g, '')}" <${section.fromAddress}>`
        : section.fromAddress
      : undefined;
    const graph = section.transport === 'graph';
    const account = [
      graph ? 'graph' : 'smtp',
      graph ? graphHost(section) : section.host,
      graph ? '' : (section.port ?? ''),
      section.username || section.fromAddress,
    ]
      .join(':')
      .toLowerCase();
    const limited = caps.messagesPerMinute > 0 || caps.recipientsPerDay > 0;
    return {
      revision,
      sender,
      from,
      replyTo: section.replyTo || undefined,
      account,
      limits: limited ? sendLimits().limits(caps.messagesPerMinute, caps.recipientsPerDay) : null,
    };
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

  /**
   * Why a message may not go now (a sending limit, a pause), as the error the outbox retries;
   * else the send, counted from its end when it is counted at all.
   */
  async function admitted(
    target: Active,
    composed: ComposedMessage,
    send: () => Promise<SendResult>
  ): Promise<SendResult> {
    const paused = sendLimits().localPause(target.account);
    if (!target.limits) {
      if (paused) throw held(paused.untilMs, 'paused', paused.reason);
      return send();
    }
    let grant: Grant;
    try {
      grant = await sendLimits().take(target.account, target.limits, composed.envelope.to.length);
    } catch (err) {
      // The database did not answer: not the message's fault, it waits (if it can be kept).
      strapi.log.warn(
        `[mail-server] could not check the sending limits (${(err as { code?: string }).code ?? 'error'})`
      );
      throw held(Date.now() + 1000, 'unchecked');
    }
    if (!grant.ok) throw refusal(target.limits, composed, grant);
    const result = await send();
    await sendLimits()
      .settle(target.account, grant.at)
      .catch(() => undefined);
    return result;
  }

  function refusal(
    limits: Limits,
    composed: ComposedMessage,
    grant: Exclude<Grant, { ok: true }>
  ): MailError {
    if (grant.why === 'too-many-recipients') {
      return new MailError('EENVELOPE', 'More recipients than the account may send to in a day.', {
        diagnosis: `The message has ${composed.envelope.to.length} recipients, more than the ${limits.recipients} a day the sending limits allow this account.`,
        fix: 'Send it to fewer recipients at a time, or raise "Recipients per day" in the SMTP section if the server allows more.',
        reason: 'over-recipient-limit',
        permanent: true,
      });
    }
    return held(grant.atMs, grant.why, grant.pauseReason);
  }

  function held(atMs: number, why: string, pauseReason?: string): MailError {
    const at = new Date(atMs).toISOString();
    return new MailError('ETHROTTLED', 'Held back by the sending limits.', {
      diagnosis:
        why === 'paused'
          ? `The server asked to slow down${pauseReason ? ` (${pauseReason})` : ''}: the account rests until ${at}.`
          : why === 'unchecked'
            ? 'The sending limits could not be checked (the database did not answer): the message waits in the outbox.'
            : `The account reached its sending limit (${why === 'messages' ? 'messages per minute' : 'recipients per day'}): the message goes out at ${at}.`,
      fix: 'Nothing to change: it waits in the outbox. Raise the limits in the SMTP section only if the server allows more.',
      reason: why === 'paused' ? 'paused' : 'send-limit',
      retryAfterMs: Math.max(0, atMs - Date.now()),
    });
  }

  /**
   * A throttling reply pauses the account, on every instance: one window (a minute) for too
   * many messages, a few seconds for too many connections, a bucket of the day (an hour) for
   * the daily quota, or what the server said (Graph's Retry-After).
   */
  async function rest(target: Active, error: MailError): Promise<MailError> {
    if (error.code !== 'ETHROTTLED' || isLocalHold(error)) return error;
    const windowMs = sendLimits().pauseMs();
    const { recipientWindowSeconds } = getPluginConfig(strapi).send;
    const ms =
      error.retryAfterMs ??
      (error.reason === 'daily-quota'
        ? (recipientWindowSeconds * 1000) / 24
        : error.reason === 'concurrency'
          ? Math.min(5_000, windowMs)
          : windowMs);
    await sendLimits()
      .pause(target.account, Date.now() + ms, error.reason ?? 'throttled')
      .catch(() => undefined);
    return new MailError(error.code, error.message, {
      diagnosis: error.diagnosis,
      fix: error.fix,
      response: error.response,
      responseCode: error.responseCode,
      command: error.command,
      reason: error.reason,
      retryAfterMs: ms,
      cause: error,
    });
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
      let target: Active | undefined;
      const addressed = (to: Active | undefined): OutgoingMessage => ({
        ...options,
        from: given(options.from) ?? to?.from ?? defaults.from,
        replyTo: given(options.replyTo) ?? to?.replyTo ?? defaults.replyTo,
      });
      if (strapi.db.inTransaction()) {
        // Called inside a transaction (a lifecycle hook of a Document Service call): written
        // with it and sent once it commits, by the outbox — never sent for a change that is
        // rolled back, and no bookkeeping of ours inside someone else's transaction (a
        // sending account's row locked there until its commit would stall every instance).
        const within = await active();
        const kept = await composeOutgoing(addressed(within));
        await getService(strapi, 'outbox').enqueue({
          ...entry,
          composed: kept,
          displayMessageId: kept.messageId,
          attempts: 0,
          revision: within.revision,
        });
        return {
          messageId: kept.messageId,
          accepted: [],
          rejected: [],
          response: 'queued: sent after the transaction commits',
          queued: true,
        };
      }
      for (;;) {
        attempts++;
        try {
          target = await active();
          revision = target.revision;
          // Counted against the limits before it goes: composed here, to know its recipients.
          if (!composed && (target.limits || sendLimits().localPause(target.account))) {
            composed = await composeOutgoing(addressed(target));
          }
          const to = target;
          const result = composed
            ? await admitted(to, composed, () => to.sender.sendRaw(composed!))
            : await to.sender.send(addressed(to));
          noteSuccess(to);
          // Recipients the server put off: their copy is queued before send() resolves.
          await getService(strapi, 'outbox')
            .deferRefused(result, {
              subject: entry.subject,
              displayMessageId: result.messageId,
              revision,
            })
            .catch((err: { code?: string }) =>
              strapi.log.error(
                `[mail-server] could not queue the copy for the recipients the server put off (${err?.code ?? 'error'})`
              )
            );
          log.record({
            ...entry,
            messageId: result.messageId,
            status: 'sent',
            response: describeSent(result),
            attempts,
            durationMs: Date.now() - started,
            revision,
          });
          return result;
        } catch (err) {
          let error = asMailError(err);
          // Composed once: every later attempt sends these bytes, with this Message-ID.
          composed ??= composedOf(err);
          if (target) {
            error = await rest(target, error);
            noteFailure(target, error);
          }
          const throttled = error.code === 'ETHROTTLED';
          // Nothing composed yet (the sender closed for a settings change, its thread ended):
          // once more at once, through the sender built now.
          const again = !composed && attempts === 1 && !throttled;
          if (isTransient(error) && !throttled && (attempts <= retries || again)) {
            await sleep(
              again
                ? 0
                : retryDelay(
                    retryDelayMs,
                    attempts,
                    error,
                    getPluginConfig(strapi).send.maxRetryDelaySeconds * 1000
                  )
            );
            continue;
          }
          // Accepted is kept: what no attempt composed is composed now, for the outbox. A
          // watched send (Strapi's test email) is never queued: its page must tell the truth.
          const keep = isTransient(error) && !isWatched();
          if (keep && !composed) {
            composed = await composeOutgoing(addressed(target)).catch(() => undefined);
          }
          if (keep && composed) {
            // Kept before send() resolves: the outbox takes it from here.
            const kept = await getService(strapi, 'outbox')
              .enqueue({
                ...entry,
                composed,
                displayMessageId: composed.messageId,
                // A message the limits held back was never tried.
                attempts: isLocalHold(error) ? attempts - 1 : attempts,
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
            // Held by the limits is the normal course at 30 a minute: not worth a warning each.
            strapi.log[isLocalHold(error) ? 'debug' : 'warn'](
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
            messageId: composed?.messageId,
            status: 'failed',
            errorCode: error.code,
            errorMessage: `${error.diagnosis}${error.fix ? ` ${error.fix}` : ''}`.slice(0, 2000),
            response: error.response,
            attempts,
            durationMs: Date.now() - started,
            revision,
            // Kept, never shown: an admin can send it again once the cause is fixed.
            ...(composed
              ? {
                  raw: composed.raw.toString('base64'),
                  envelope: JSON.stringify(composed.envelope),
                }
              : {}),
          });
          strapi.log.warn(
            `[mail-server] email not sent (${error.code}) after ${attempts} attempt(s): ${error.diagnosis}`
          );
          noteWatchedFailure(error);
          throw error;
        }
      }
    },

    /**
     * A message composed before, through the current settings' sender (the outbox), within the
     * sending limits: held back (ETHROTTLED, `retryAfterMs` until it may go) when they say so.
     */
    async sendComposed(composed: ComposedMessage): Promise<SendResult> {
      const target = await active();
      try {
        const result = await admitted(target, composed, () => target.sender.sendRaw(composed));
        noteSuccess(target);
        return result;
      } catch (err) {
        const error = await rest(target, asMailError(err));
        noteFailure(target, error);
        throw error;
      }
    },

    /**
     * What the current account may send now (the outbox claims no more): free message slots,
     * Infinity without a message limit, or 0 and when it may send again.
     */
    async capacity(): Promise<{ slots: number; atMs: number }> {
      const target = await active().catch(() => null);
      // Unconfigured or broken settings: the rows are claimed and fail with the diagnosis.
      if (!target) return { slots: Infinity, atMs: Date.now() };
      return sendLimits().capacity(target.account, target.limits);
    },

    /** The account the current settings send from and its limits; null when not configured. */
    async account(): Promise<{
      account: string;
      limits: { messagesPerMinute: number; recipientsPerDay: number; preset: 'microsoft' | null };
    } | null> {
      const section = await settings().getEffective('smtp');
      if (!isConfigured(section)) return null;
      const target = await active().catch(() => null);
      if (!target) return null;
      return { account: target.account, limits: sendLimitsOf(section) };
    },

    /** Composes a message as send() would (the settings' From and Reply-To), without sending. */
    async compose(options: OutgoingMessage, defaults: SendDefaults = {}): Promise<ComposedMessage> {
      // No SMTP settings: ECONFIG now, rather than a message queued for a server never named.
      const target = await active();
      return composeOutgoing({
        ...options,
        from: given(options.from) ?? target.from ?? defaults.from,
        replyTo: given(options.replyTo) ?? target.replyTo ?? defaults.replyTo,
      });
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
