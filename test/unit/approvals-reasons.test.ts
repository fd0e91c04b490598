/**
 * The verdict reasons and the answer to an approver (server/src/approvals/reasons.ts), and the
 * approvals mailbox computed from the settings (server/src/approvals/mailbox.ts). Pure; the
 * API suites read the same answers from the approver's mailbox.
 */
import { describe, expect, test } from '@jest/globals';
import { APPROVER, replyAnalysis } from '../helpers/analysis';
import { REPLY_REASONS, noDecision, type ReplyAnalysis } from '../../server/src/mail';
import {
  answerFor,
  answerText,
  VERDICT_REASONS,
  type VerdictReason,
} from '../../server/src/approvals/reasons';
import { approvalMailbox } from '../../server/src/approvals/mailbox';
import type { Effective } from '../../server/src/settings/model';

const reply = (over: Partial<ReplyAnalysis> = {}) =>
  replyAnalysis({ subject: 'Re: Approval requested: Spring', ...over });
const request = { title: 'Spring' };
const held = (reason: VerdictReason, analysis = reply({ decision: null })) =>
  answerFor(analysis, { request, approver: APPROVER, outcome: 'quarantined', reason });

/** Every reason the decision table can give while naming the request and its approver. */
const HELD_WITH_REQUEST: VerdictReason[] = [
  'unverified-sender',
  'request-approved',
  'request-rejected',
  'request-cancelled',
  'request-expired',
  'expired',
  'already-decided',
  'no-decision-line',
  'negated',
  'ambiguous',
  'entry-changed',
  'approver-not-allowed',
  'requester-not-allowed',
  'action-failed',
  'store-failed',
];

describe('VERDICT_REASONS', () => {
  test('every reason of the analyser is a verdict reason with its own summary', () => {
    for (const [code, summary] of Object.entries(REPLY_REASONS)) {
      expect(VERDICT_REASONS[code as VerdictReason].summary).toBe(summary);
    }
  });

  test('every reason has a summary; codes are kebab-case', () => {
    const codes = Object.keys(VERDICT_REASONS);
    expect(codes.length).toBeGreaterThan(Object.keys(REPLY_REASONS).length + 15);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(VERDICT_REASONS[code as VerdictReason].summary.length).toBeGreaterThan(5);
    }
  });
});

describe('answerFor', () => {
  test('a decision applied: a thank-you naming the decision and the request', () => {
    const answer = answerFor(reply(), {
      request,
      approver: APPROVER,
      outcome: 'applied',
      reason: 'decision',
    });
    expect(answer).toMatchObject({
      to: APPROVER,
      inReplyTo: '<r@example.test>',
      subject: 'Re: Approval requested: Spring', // not "Re: Re:"
    });
    expect(answer!.text).toContain('APPROVED');
    expect(answer!.text).toContain('"Spring"');
  });

  test('a reply without Re: gets one', () => {
    const answer = held('no-decision-line', reply({ decision: null, subject: 'Spring' }));
    expect(answer!.subject).toBe('Re: Spring');
  });

  test.each(HELD_WITH_REQUEST)(
    'held as %s: the approver is told why, in the registry’s words',
    (reason) => {
      const answer = held(reason);
      expect(answer).toBeDefined();
      const words = (VERDICT_REASONS[reason] as { answer?: string }).answer;
      expect(words).toBeTruthy();
      expect(answer!.text).toContain(words);
    }
  );

  test('no answer to another sender, to an auto-reply, or without a request', () => {
    expect(held('wrong-sender', reply({ decision: null, from: 'mallory@example.test' }))).toBe(
      undefined
    );
    expect(held('no-decision-line', { ...noDecision('auto-reply', 'auto-submitted') })).toBe(
      undefined
    );
    expect(answerFor(reply(), { outcome: 'quarantined', reason: 'no-reference' })).toBeUndefined();
  });

  test('in the approver’s language: every answer has its French words, English otherwise', () => {
    const applied = answerFor(reply(), {
      request,
      approver: APPROVER,
      outcome: 'applied',
      reason: 'decision',
    });
    expect(answerText(applied!.words, 'fr')).toContain('Décision : APPROVED pour « Spring »');
    expect(answerText(applied!.words, 'de')).toBe(applied!.text); // no German: English
    for (const reason of HELD_WITH_REQUEST) {
      const answer = held(reason)!;
      const fr = answerText(answer.words, 'fr');
      // A French sentence, not the English words in a French frame.
      expect(fr.startsWith("Votre réponse n'a pas été acceptée : ")).toBe(true);
      expect(fr).not.toContain((VERDICT_REASONS[reason] as { answer?: string }).answer!);
    }
  });

  test('no answer for a reason with no words for the approver', () => {
    expect(VERDICT_REASONS['forged-reference']).not.toHaveProperty('answer');
    expect(held('forged-reference')).toBeUndefined();
  });
});

describe('approvalMailbox', () => {
  const smtp = (over = {}) => ({ fromAddress: 'cms@example.org', ...over }) as Effective<'smtp'>;
  const imap = (over = {}) =>
    ({
      host: 'imap.example.org',
      username: 'approvals@example.org',
      authservId: 'mx.example.org',
      exchangeHeaders: false,
      senderCheck: 'verified',
      ...over,
    }) as Effective<'imap'>;

  test('replies go to the IMAP account; Message-IDs use the From domain; both are our own', () => {
    const box = approvalMailbox(smtp(), imap());
    expect(box).toMatchObject({
      address: 'approvals@example.org',
      domain: 'example.org',
      own: ['approvals@example.org', 'cms@example.org'],
    });
    expect(box.trust).toStrictEqual({
      trust: { authservIds: ['mx.example.org'], exchange: false },
      requireProof: true,
    });
  });

  test('with IMAP empty, sending still has a Reply-To and a domain', () => {
    const box = approvalMailbox(smtp(), imap({ username: '' }));
    expect([box.address, box.domain, box.own]).toStrictEqual([
      'cms@example.org',
      'example.org',
      ['cms@example.org'],
    ]);
    expect(approvalMailbox(smtp({ fromAddress: '' }), imap({ username: '' }))).toMatchObject({
      address: '',
      domain: 'strapi.local',
      own: [],
    });
  });

  test('a Microsoft 365 host trusts Exchange headers without the box; from-header needs no proof', () => {
    const box = approvalMailbox(
      smtp(),
      imap({ host: 'outlook.office365.com', senderCheck: 'from-header' })
    );
    expect(box.trust.trust.exchange).toBe(true);
    expect(box.trust.requireProof).toBe(false);
  });
});
