/**
 * Why an inbound email did or did not decide a request: stable codes (stored on the
 * inbound-message row, matched by tests and the admin), what each means for an administrator,
 * and, where the approver gets an answer, the words of that answer. Every answer's wording is
 * here; services/approval-mail.ts only sends it.
 */
import { REPLY_REASONS, type ReplyAnalysis } from '../mail';

interface Reason {
  /** what it means, for the people who read the inbound messages */
  summary: string;
  /** why the reply was not accepted, told to the approver; no answer without it */
  answer?: string;
}

const COMMENT_BELOW =
  'Put APPROVE or REJECT alone on the first line and any comment on the lines below it';

/** The analyser's own reasons (a message that carries no decision) keep their meaning here. */
const fromAnalysis = Object.fromEntries(
  Object.entries(REPLY_REASONS).map(([code, summary]) => [code, { summary }])
) as { [K in keyof typeof REPLY_REASONS]: Reason };

export const VERDICT_REASONS = {
  ...fromAnalysis,
  'no-decision-line': {
    summary: REPLY_REASONS['no-decision-line'],
    answer: 'the first line of your reply does not say APPROVE or REJECT',
  },
  negated: {
    summary: REPLY_REASONS.negated,
    answer: `the first line of your reply contains a negation (such as "not", "nicht", "pas"), so it was not taken as a decision. ${COMMENT_BELOW}`,
  },
  ambiguous: {
    summary: REPLY_REASONS.ambiguous,
    answer: `the first line of your reply asks a question or names both APPROVE and REJECT. ${COMMENT_BELOW}`,
  },
  'auto-reply': { summary: 'An automatic reply' },
  bounce: { summary: 'A bounce' },
  other: { summary: 'Not a reply to a request' },
  decision: { summary: 'The reply decided the request' },
  'no-reference': { summary: 'It names no approval request (no reference of ours in it)' },
  'forged-reference': {
    summary: 'Its reference does not verify: altered, made up, or for another approver',
  },
  'lookup-failed': { summary: 'The database could not look its request up; kept for a person' },
  'wrong-sender': { summary: 'Sent from another address than the one the request went to' },
  'unverified-sender': {
    summary: 'No proof that the approver sent it (no DKIM, DMARC or authenticated submission)',
    answer:
      "your organisation's mail server did not confirm that it came from you (no DKIM, DMARC or authenticated submission), so it was not taken as a decision; an administrator will review it",
  },
  'request-approved': {
    summary: 'The request was already approved',
    answer: 'the request has already been approved',
  },
  'request-rejected': {
    summary: 'The request was already rejected',
    answer: 'the request has already been rejected',
  },
  'request-cancelled': {
    summary: 'The request was cancelled',
    answer: 'the request was cancelled',
  },
  'request-expired': { summary: 'The request had expired', answer: 'the request has expired' },
  expired: {
    summary: 'The request expired before the reply came (not yet marked expired)',
    answer: 'the request has expired',
  },
  'already-decided': {
    summary: 'This approver had already answered',
    answer: 'you have already answered this request',
  },
  'entry-changed': {
    summary: 'The entry changed after the request was sent: the approver saw another version',
    answer: 'the entry was changed after the request was sent; a new request is needed',
  },
  'approver-not-allowed': {
    summary: 'The approver is no longer an active admin whose role may run the action',
    answer:
      'your Strapi account may no longer do this (inactive, blocked, or its role lost the permission); an administrator has been told',
  },
  'requester-not-allowed': {
    summary: 'The requester may no longer read and update the entry',
    answer:
      'the person who asked for this approval may no longer edit the entry; an administrator has been told',
  },
  'action-failed': {
    summary: 'The decision was valid but its action failed; nothing of it was applied',
    answer: 'the approved action could not be carried out; an administrator has been told',
  },
  'store-failed': {
    summary: 'The database could not record the reply; kept for a person',
    answer: 'your reply could not be recorded; an administrator has been told',
  },
} satisfies Record<string, Reason>;

export type VerdictReason = keyof typeof VERDICT_REASONS;

const COMMENT_BELOW_FR =
  'Mettez APPROVE ou REJECT seul sur la première ligne et votre commentaire sur les lignes suivantes';

/**
 * The answers in French, for approvers whose admin language is French (the request email's
 * languages, approvals/email/i18n.ts); a reason missing here is answered in English.
 */
const ANSWERS_FR: Partial<Record<VerdictReason, string>> = {
  'no-decision-line': 'la première ligne de votre réponse ne dit ni APPROVE ni REJECT',
  negated: `la première ligne de votre réponse contient une négation (comme « not », « nicht », « pas »), elle n'a donc pas été prise pour une décision. ${COMMENT_BELOW_FR}`,
  ambiguous: `la première ligne de votre réponse pose une question ou nomme à la fois APPROVE et REJECT. ${COMMENT_BELOW_FR}`,
  'unverified-sender':
    "le serveur de messagerie de votre organisation n'a pas confirmé qu'elle venait de vous (ni DKIM, ni DMARC, ni envoi authentifié), elle n'a donc pas été prise pour une décision ; un administrateur va l'examiner",
  'request-approved': 'la demande a déjà été approuvée',
  'request-rejected': 'la demande a déjà été rejetée',
  'request-cancelled': 'la demande a été annulée',
  'request-expired': 'la demande a expiré',
  expired: 'la demande a expiré',
  'already-decided': 'vous avez déjà répondu à cette demande',
  'entry-changed':
    "l'entrée a été modifiée après l'envoi de la demande ; une nouvelle demande est nécessaire",
  'approver-not-allowed':
    "votre compte Strapi ne peut plus faire cela (inactif, bloqué, ou son rôle a perdu l'autorisation) ; un administrateur a été prévenu",
  'requester-not-allowed':
    "la personne qui a demandé cette approbation ne peut plus modifier l'entrée ; un administrateur a été prévenu",
  'action-failed': "l'action approuvée n'a pas pu être effectuée ; un administrateur a été prévenu",
  'store-failed': "votre réponse n'a pas pu être enregistrée ; un administrateur a été prévenu",
};

/** What an answer says, before it is put in words (in the approver's language). */
export type AnswerWords =
  | { outcome: 'applied'; decision: 'approve' | 'reject'; title: string }
  | { outcome: 'refused'; reason: VerdictReason; title: string };

/** The answer's text in `language` ("fr", else English). */
export function answerText(words: AnswerWords, language = 'en'): string {
  const fr = language === 'fr';
  if (words.outcome === 'applied') {
    const decided = words.decision === 'approve' ? 'APPROVED' : 'REJECTED';
    return fr
      ? `Merci, votre réponse a été enregistrée. Décision : ${decided} pour « ${words.title} ».\n`
      : `Thank you, your answer was recorded. Decision: ${decided} for "${words.title}".\n`;
  }
  const english = (VERDICT_REASONS[words.reason] as Reason).answer ?? '';
  const why = (fr && ANSWERS_FR[words.reason]) || english;
  return fr && ANSWERS_FR[words.reason]
    ? `Votre réponse n'a pas été acceptée : ${why}. (Demande « ${words.title} »)\n`
    : `Your reply was not accepted: ${why}. (Request "${words.title}")\n`;
}

/** The short answer to an approver's reply, ready to send. */
export interface Answer {
  to: string;
  inReplyTo: string | null;
  subject: string;
  /** in English; `words` puts it in the approver's language */
  text: string;
  words: AnswerWords;
}

/**
 * The answer to a reply that named a request: never to an auto-reply, never to a sender who is
 * not the approver (that would confirm to a stranger that the address is watched), and never
 * for a reason with no words for the approver.
 */
export function answerFor(
  analysis: ReplyAnalysis,
  handled: {
    request?: { title?: string | null };
    approver?: string;
    outcome: string;
    reason: VerdictReason;
  }
): Answer | undefined {
  const { request, approver, outcome, reason } = handled;
  if (!request || !approver || analysis.kind !== 'reply') return undefined;
  if (analysis.from !== approver.toLowerCase()) return undefined;
  const title = request.title ?? '';
  let words: AnswerWords;
  if (outcome === 'applied') {
    words = { outcome, decision: analysis.decision === 'approve' ? 'approve' : 'reject', title };
  } else {
    if (!(VERDICT_REASONS[reason] as Reason).answer) return undefined;
    words = { outcome: 'refused', reason, title };
  }
  const subject = analysis.subject.toLowerCase().startsWith('re:')
    ? analysis.subject
    : `Re: ${analysis.subject}`;
  return {
    to: analysis.from,
    inReplyTo: analysis.messageId,
    subject,
    text: answerText(words),
    words,
  };
}
