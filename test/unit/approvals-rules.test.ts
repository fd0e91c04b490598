/**
 * The decision table of the approval protocol (server/src/approvals/rules.ts
 * `verdictFor`), without a database: each rule, and that the first failing rule names the
 * reason. The API suites check the same rules end to end.
 */
import { describe, expect, test } from '@jest/globals';
import { APPROVER, replyAnalysis } from '../helpers/analysis';
import { verdictFor, type RuleFacts } from '../../server/src/approvals/rules';
import type { ApprovalRow } from '../../server/src/approvals/types';
import { noDecision, type ReplyAnalysis } from '../../server/src/mail';

const NOW = new Date('2026-11-30T12:00:00Z');
const request = (over: Partial<ApprovalRow> = {}): ApprovalRow => ({
  id: 7,
  targetUid: 'api::article.article',
  targetDocumentId: 'doc',
  targetLocale: null,
  title: 'T',
  action: 'publish',
  approvers: [APPROVER],
  policy: 'any',
  status: 'pending',
  expiresAt: '2026-12-07T12:00:00Z',
  note: null,
  requestedBy: { id: 1 },
  entryVersion: 'v1',
  decisions: [],
  decidedAt: null,
  ...over,
});
const reply = replyAnalysis;
const facts = (over: Partial<RuleFacts> = {}): RuleFacts => ({
  hasCandidates: true,
  matched: { request: request(), approver: APPROVER },
  draftVersion: 'v1',
  approverUser: { id: 3, email: APPROVER },
  requesterAllowed: true,
  ...over,
});
const verdict = (a: ReplyAnalysis, f: RuleFacts, requireProof = true) =>
  verdictFor(a, f, { requireProof, now: NOW });
const outcome = (a: ReplyAnalysis, f: RuleFacts, requireProof = true) => {
  const v = verdict(a, f, requireProof);
  return `${v.verdict}:${v.reason}`;
};

describe('verdictFor', () => {
  test('everything holds: applied, recorded as the approver’s admin user', () => {
    const v = verdict(reply(), facts());
    expect(v).toMatchObject({ verdict: 'applied', reason: 'decision', by: { id: 3 } });
  });

  test.each([
    [
      'an auto-reply is ignored',
      reply({ kind: 'auto-reply', decision: null, reason: 'auto-submitted' }),
      facts(),
      'ignored:auto-submitted',
    ],
    ['a bounce is ignored', { ...noDecision('bounce', 'dsn') }, facts(), 'ignored:dsn'],
    ['mailing-list mail is ignored', { ...noDecision('other', 'list') }, facts(), 'ignored:list'],
    [
      'malformed is kept for a person',
      { ...noDecision('other', 'malformed') },
      facts(),
      'quarantined:malformed',
    ],
    [
      'too large is kept for a person',
      { ...noDecision('other', 'too-large') },
      facts(),
      'quarantined:too-large',
    ],
    [
      'a timeout is kept for a person',
      { ...noDecision('other', 'analysis-timeout') },
      facts(),
      'quarantined:analysis-timeout',
    ],
    [
      'no reference',
      reply(),
      facts({ hasCandidates: false, matched: null }),
      'quarantined:no-reference',
    ],
    [
      'a reference that does not verify',
      reply(),
      facts({ matched: null }),
      'quarantined:forged-reference',
    ],
    ['another sender', reply({ from: 'eve@example.test' }), facts(), 'quarantined:wrong-sender'],
    [
      'no proof of the sender',
      reply({ senderProof: null }),
      facts(),
      'quarantined:unverified-sender',
    ],
    [
      'a request already approved',
      reply(),
      facts({ matched: { request: request({ status: 'approved' }), approver: APPROVER } }),
      'quarantined:request-approved',
    ],
    [
      'a request past its expiry',
      reply(),
      facts({
        matched: { request: request({ expiresAt: '2026-11-29T00:00:00Z' }), approver: APPROVER },
      }),
      'quarantined:expired',
    ],
    [
      'the approver already answered',
      reply(),
      facts({
        matched: {
          request: request({
            decisions: [
              { approver: APPROVER, decision: 'reject', comment: '', at: '', inboundMessageId: 1 },
            ],
          }),
          approver: APPROVER,
        },
      }),
      'quarantined:already-decided',
    ],
    [
      'no decision on the first line',
      reply({ decision: null, reason: 'negated' }),
      facts(),
      'quarantined:negated',
    ],
    [
      'the entry changed since the request',
      reply(),
      facts({ draftVersion: 'v2' }),
      'quarantined:entry-changed',
    ],
    [
      'the approver may no longer publish',
      reply(),
      facts({ approverUser: null }),
      'quarantined:approver-not-allowed',
    ],
    [
      'the requester may no longer edit',
      reply(),
      facts({ requesterAllowed: false }),
      'quarantined:requester-not-allowed',
    ],
  ])('%s', (_name, analysis, f, expected) => {
    expect(outcome(analysis as ReplyAnalysis, f)).toBe(expected);
  });

  test('"From header only" skips the proof, nothing else', () => {
    expect(outcome(reply({ senderProof: null }), facts(), false)).toBe('applied:decision');
    expect(outcome(reply({ senderProof: null, from: 'eve@example.test' }), facts(), false)).toBe(
      'quarantined:wrong-sender'
    );
  });

  test('the first failing rule names the reason', () => {
    // wrong sender, no proof, request decided, entry changed: the earliest rule wins
    const everythingWrong = facts({
      matched: { request: request({ status: 'rejected' }), approver: APPROVER },
      draftVersion: 'v9',
      approverUser: null,
    });
    expect(outcome(reply({ from: 'eve@example.test', senderProof: null }), everythingWrong)).toBe(
      'quarantined:wrong-sender'
    );
    expect(outcome(reply({ senderProof: null }), everythingWrong)).toBe(
      'quarantined:unverified-sender'
    );
    expect(outcome(reply(), everythingWrong)).toBe('quarantined:request-rejected');
  });
});
