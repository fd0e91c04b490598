/**
 * A message composed once: the MIME bytes, the envelope and the Message-ID every attempt
 * sends, whatever the transport (SMTP pool, Microsoft Graph) and however late (the outbox).
 * nodemailer composes it as it would for a send (Bcc in the envelope, not in the headers).
 */
import type { SendMailOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { parseMessage, toNodemailer, type OutgoingMessage } from './message';

export interface ComposedMessage {
  raw: Buffer;
  envelope: { from: string; to: string[] };
  messageId: string;
}

export async function composeMessage(mail: SendMailOptions): Promise<ComposedMessage> {
  const node = new MailComposer(mail).compile();
  const envelope = node.getEnvelope() as { from: string | false; to: string[] };
  const raw = await node.build();
  return {
    raw,
    envelope: { from: envelope.from || '', to: envelope.to },
    messageId: node.messageId(),
  };
}

/**
 * A message of the provider's shape, validated and composed without sending it: for the
 * outbox (a message put off by a sending limit, an approval request written with its row).
 */
export const composeOutgoing = (message: OutgoingMessage): Promise<ComposedMessage> =>
  composeMessage(toNodemailer(parseMessage(message)) as SendMailOptions);

/** nodemailer's options for sending composed bytes as they are. */
export const rawOptions = (composed: ComposedMessage): SendMailOptions => ({
  envelope: composed.envelope,
  raw: composed.raw,
});

const COMPOSED = Symbol('composed message');

/**
 * Attaches the message an attempt composed to the error that ended it, so the caller can keep
 * it for a later attempt with the same bytes. Not enumerable: an error that is logged or
 * serialised never carries a message body.
 */
export function withComposed<E extends object>(err: E, composed: ComposedMessage | undefined): E {
  if (!composed) return err;
  // A copy of the error, not the error: one error object can be shared by many sends (a token
  // failure every waiting request receives), and each carries its own message. Same class,
  // same own properties (message, stack, code, responseCode…), as they were defined.
  const own = Object.create(Object.getPrototypeOf(err)) as E;
  for (const key of Reflect.ownKeys(err)) {
    if (key !== COMPOSED)
      Object.defineProperty(own, key, Object.getOwnPropertyDescriptor(err, key)!);
  }
  Object.defineProperty(own, COMPOSED, { value: composed, enumerable: false, configurable: true });
  return own;
}

export const composedOf = (err: unknown): ComposedMessage | undefined =>
  err && typeof err === 'object' ? (err as { [COMPOSED]?: ComposedMessage })[COMPOSED] : undefined;
