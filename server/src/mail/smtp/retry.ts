import type { MailError } from '../errors';

/**
 * Worth another attempt: the connection failed or timed out, or the server said "try later"
 * (4xx). A 5xx reply or a refused login will not get better by retrying.
 */
export function isTransient(err: MailError): boolean {
  if (err.permanent) return false;
  if (err.code === 'ETHROTTLED') return true;
  if (err.responseCode !== undefined) return err.responseCode >= 400 && err.responseCode < 500;
  return err.code === 'ECONNECTION' || err.code === 'ETIMEDOUT';
}
