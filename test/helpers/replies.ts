/**
 * Replies built the way mail clients build them: Re: subject, In-Reply-To and References to
 * the notification, the original quoted below an "On … wrote:" line.
 */
import nodemailer from 'nodemailer';
import type { ParsedMail } from 'mailparser';
import type { MailStack, MailUser } from '../mailstack/types';

export function quoted(notification: ParsedMail): string {
  const date = notification.date?.toUTCString() ?? 'Mon, 1 Jan 2026 10:00:00 GMT';
  const from = notification.from?.text ?? 'Strapi';
  const body = (notification.text ?? '')
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  return `On ${date}, ${from} wrote:\n${body}\n`;
}

export async function sendReply(
  stack: MailStack,
  from: MailUser,
  to: string,
  notification: ParsedMail,
  firstLines: string,
  extra: {
    inReplyTo?: string;
    references?: string;
    headers?: Record<string, string>;
    subject?: string;
    /** leave the original out (a crafted message, not a client's reply) */
    noQuote?: boolean;
    /** a From header other than the login (a forgery: the server stamps the real login) */
    fromHeader?: string;
  } = {}
): Promise<string> {
  const transport = submissionAs(stack, from);
  try {
    const info = await transport.sendMail({
      from: extra.fromHeader ?? from.address,
      to,
      subject: extra.subject ?? `Re: ${notification.subject}`,
      inReplyTo: extra.inReplyTo ?? notification.messageId,
      references: extra.references ?? notification.messageId,
      text: extra.noQuote ? `${firstLines}\n` : `${firstLines}\n\n${quoted(notification)}`,
      headers: extra.headers,
    });
    return info.messageId;
  } finally {
    transport.close();
  }
}

/** An SMTP client logged in as `from` on the stack's submission port (STARTTLS), as a mail app. */
export function submissionAs(stack: MailStack, from: MailUser) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: stack.smtp.port,
    secure: false,
    requireTLS: true,
    tls: { ca: [stack.caPem] },
    auth: { user: from.address, pass: from.password },
  });
}
