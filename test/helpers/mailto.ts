/**
 * The request email's Approve / Reject buttons as a phone's mail app uses them: the mailto:
 * links of its HTML, decoded as RFC 6068 says, and the reply one writes — exactly the link's To,
 * Subject and body, sent from the approver's account through the test SMTP server, with no
 * In-Reply-To or References.
 */
import { expect } from '@jest/globals';
// htmlparser2 and domutils come with html-to-text (a dependency of the plugin).
import { parseDocument } from 'htmlparser2';
import { findAll, getAttributeValue } from 'domutils';
import type { Element } from 'domhandler';
import type { ParsedMail } from 'mailparser';
import type { MailStack, MailUser } from '../mailstack/types';
import { submissionAs } from './replies';

/** The parsed HTML part of a notification. */
export function htmlOf(mail: ParsedMail) {
  expect(typeof mail.html).toBe('string');
  return parseDocument(mail.html as string);
}

export const elements = (doc: ReturnType<typeof parseDocument>, name: string) =>
  findAll((e: Element) => e.name === name, doc.children);

/** The mailto: links of the email, decoded as RFC 6068 says. */
export function mailtos(mail: ParsedMail) {
  return elements(htmlOf(mail), 'a')
    .map((a) => getAttributeValue(a, 'href') ?? '')
    .filter((href) => href.startsWith('mailto:'))
    .map((href) => {
      const [target, query = ''] = href.slice('mailto:'.length).split('?');
      const fields = new Map(
        query.split('&').map((pair) => {
          const [name, value = ''] = pair.split('=');
          return [name!, decodeURIComponent(value)];
        })
      );
      return {
        href,
        to: decodeURIComponent(target!),
        subject: fields.get('subject') ?? '',
        body: fields.get('body') ?? '',
      };
    });
}

export function button(mail: ParsedMail, decision: 'APPROVE' | 'REJECT') {
  const found = mailtos(mail).filter((m) => m.body.split('\r\n')[0] === decision);
  expect(found.length).toBe(1);
  return found[0]!;
}

/** What a mail app sends for a mailto: link: its To, Subject and body, and no threading. */
export async function sendAsMailApp(
  stack: MailStack,
  from: MailUser,
  link: { to: string; subject: string; body: string }
): Promise<string> {
  const transport = submissionAs(stack, from);
  try {
    const info = await transport.sendMail({
      from: from.address,
      to: link.to,
      subject: link.subject,
      text: link.body,
    });
    return info.messageId;
  } finally {
    transport.close();
  }
}
