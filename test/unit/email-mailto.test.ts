/**
 * The Approve / Reject buttons: RFC 6068 mailto: links, and the reply a mail app writes from one
 * (no In-Reply-To, no References) read by the real analyser as the decision with our reference.
 */
import { describe, expect, test } from '@jest/globals';
import crypto from 'node:crypto';
import {
  decisionReply,
  encodeMailtoValue,
  mailtoHref,
} from '../../server/src/approvals/email/mailto';
import { analyzeReply } from '../../server/src/mail/reply';
import { parseRef, referenceFor, verifyRef } from '../../server/src/mail/reply/token';

function decode(href: string) {
  const url = new URL(href);
  const fields = Object.fromEntries(
    url.search
      .slice(1)
      .split('&')
      .map((p) => p.split('=').map((v) => decodeURIComponent(v)))
  );
  return { to: decodeURIComponent(url.pathname), ...fields } as Record<string, string>;
}

describe('mailto links', () => {
  test('subject and body are percent-encoded UTF-8: %20 for spaces, CRLF line breaks', () => {
    const href = mailtoHref('approvals@example.org', {
      subject: 'Re: Demande d’approbation : « Été & co » ? [Ref: APR-1-0-abcdefghijklmnop]',
      body: 'APPROVE\n\n',
    });
    expect(href.startsWith('mailto:approvals@example.org?subject=')).toBe(true);
    expect(href).not.toMatch(/[ +"<>'()!*]/);
    expect(href).toContain('&body=APPROVE%0D%0A%0D%0A');
    expect(decode(href)).toEqual({
      to: 'approvals@example.org',
      subject: 'Re: Demande d’approbation : « Été & co » ? [Ref: APR-1-0-abcdefghijklmnop]',
      body: 'APPROVE\r\n\r\n',
    });
  });

  test('characters that would end a field or the link are encoded', () => {
    for (const c of ['&', '=', '?', '#', '%', '+', '\r', '\n', '"', "'", '(', ')', '*', '!']) {
      const encoded = encodeMailtoValue(`a${c}b`);
      expect(encoded).toMatch(/^[A-Za-z0-9%._~-]+$/);
      expect(decodeURIComponent(encoded)).toBe(`a${c}b`);
    }
    expect(mailtoHref('a+b@example.org', { subject: 's', body: 'b' })).toMatch(
      /^mailto:a%2Bb@example\.org\?/
    );
  });

  test('the reply a button writes is the decision on the first line and the Ref in the subject', () => {
    expect(decisionReply('Approval requested: X [Ref: APR-1-0-x]', 'REJECT')).toEqual({
      subject: 'Re: Approval requested: X [Ref: APR-1-0-x]',
      body: 'REJECT\n\n',
    });
  });

  test.each(['APPROVE', 'REJECT'] as const)(
    'the %s reply, without threading headers, decides and names the signed request',
    async (decision) => {
      const key = crypto.randomBytes(32);
      const ref = referenceFor(key, { requestId: 7, approver: 1 }, 'ann@example.org');
      const link = decode(
        mailtoHref(
          'approvals@example.org',
          decisionReply(`Approval requested: Title [Ref: ${ref}]`, decision)
        )
      );
      const raw = [
        'From: ann@example.org',
        `To: ${link.to}`,
        `Subject: ${link.subject}`,
        'Message-ID: <phone-1@example.org>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `${link.body!}Sent from my phone`,
      ].join('\r\n');
      const analysis = await analyzeReply(raw);
      expect(analysis.kind).toBe('reply');
      expect(analysis.decision).toBe(decision.toLowerCase());
      expect(analysis.inReplyTo).toBeNull();
      expect(analysis.references).toEqual([]);
      expect(analysis.reference).toBe(ref);
      expect(verifyRef(key, parseRef(analysis.reference!)!, 'ann@example.org')).toBe(true);
    }
  );
});
