/**
 * Throttling replies: the server asks the sender to slow down. Never a failure of the message
 * (ETHROTTLED is retried from the outbox), and the reason says how long the account rests.
 * - 421 4.7.x / 421 4.4.2 / 451 4.7.5xx: too many messages for now (Exchange's MessageRateLimit,
 *   Microsoft 365's "server busy", most providers' rate limits);
 * - 432 4.3.2: Exchange Online's three concurrent submissions per mailbox
 *   (https://learn.microsoft.com/en-us/exchange/troubleshoot/send-emails/smtp-submission-improvements);
 * - 452 4.5.3: too many recipients for now;
 * - 554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException: the 10,000
 *   recipients a day of Exchange Online, a 5xx that passes with the day.
 */
import type { Facts, Finding } from './facts';

export const THROTTLE_REASONS = [
  'rate-limited',
  'concurrency',
  'too-many-recipients',
  'daily-quota',
] as const;
export type ThrottleReason = (typeof THROTTLE_REASONS)[number];

export function throttleFinding(f: Facts): Finding | undefined {
  const code = f.responseCode ?? 0;
  const enhanced = f.enhanced ?? '';
  const response = f.response ?? '';
  const said = response ? ` The server said: ${response}` : '';
  const fix =
    'Nothing to change: the message waits in the outbox and goes out when the server takes mail again. Set the sending limits in the SMTP section to stay under them.';
  if (/SubmissionQuotaExceeded/i.test(response)) {
    return {
      code: 'ETHROTTLED',
      reason: 'daily-quota',
      diagnosis: `The account reached the number of recipients its server allows per day (Microsoft 365: 10,000).${said}`,
      fix,
    };
  }
  if (code === 432 && enhanced === '4.3.2') {
    return {
      code: 'ETHROTTLED',
      reason: 'concurrency',
      diagnosis: `The server refuses more simultaneous connections for this account (Microsoft 365 allows 3).${said}`,
      fix,
    };
  }
  if (code === 452 && enhanced === '4.5.3') {
    return {
      code: 'ETHROTTLED',
      reason: 'too-many-recipients',
      diagnosis: `The server takes no more recipients for now.${said}`,
      fix,
    };
  }
  // 4.7.x is also "TLS too old" or "too many errors": only a reply that speaks of the rate.
  const speaksOfRate =
    /rate|too many (messages|mails|emails|connections|recipients|requests)|throttl|slow down|limit|exceeded|busy/i.test(
      response
    );
  const rate =
    (code === 421 && enhanced === '4.4.2') ||
    (code === 421 && /^4\.7\.\d+$/.test(enhanced) && speaksOfRate) ||
    (code === 451 && /^4\.7\.[5-6]\d\d$/.test(enhanced));
  if (rate) {
    return {
      code: 'ETHROTTLED',
      reason: 'rate-limited',
      diagnosis: `The server asks to slow down: too many messages from this account for now.${said}`,
      fix,
    };
  }
  return undefined;
}
