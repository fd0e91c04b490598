import type { MailError, OutgoingMessage } from '../mail';

/**
 * Worth another attempt: the connection failed or timed out, or the server said "try later"
 * (4xx). A 5xx reply or a refused login will not get better by retrying.
 */
export function isTransient(err: MailError): boolean {
  if (err.responseCode !== undefined) return err.responseCode >= 400 && err.responseCode < 500;
  return err.code === 'ECONNECTION' || err.code === 'ETIMEDOUT';
}

/** "to; cc; bcc" as one short text for the delivery log. */
export function describeRecipients(message: OutgoingMessage): string {
  const text = (v: unknown): string =>
    v === undefined
      ? ''
      : Array.isArray(v)
        ? v.map(text).join(', ')
        : typeof v === 'string'
          ? v
          : String((v as { address?: string }).address ?? '');
  return [message.to, message.cc, message.bcc].map(text).filter(Boolean).join('; ').slice(0, 2000);
}
