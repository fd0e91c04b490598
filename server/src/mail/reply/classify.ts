/**
 * What kind of message this is, from headers and MIME structure alone. Anything that is not a
 * human reply must never be read for a decision: an out-of-office or a bounce quotes our
 * notification, and our notification contains the words APPROVE and REJECT.
 *
 * Order matters. Bounces first (a DSN is unambiguous and its From is a daemon); then our own
 * mail; then mailing lists (their Precedence: list would otherwise read as an auto-reply);
 * then the auto-reply signals; everything else is a reply.
 */
import { bareValue, firstValue, type HeaderField } from './headers';
import type { ReplyKind, ReplyReason } from './types';

export type MessageFacts = {
  fields: readonly HeaderField[];
  /** lowercased top-level content type, e.g. "multipart/report" */
  contentType: string;
  /** lowercased report-type parameter of a multipart/report, '' otherwise */
  reportType: string;
  /** lowercased content types of every non-text part */
  partTypes: readonly string[];
  from: string;
  subject: string;
  ownAddresses: ReadonlySet<string>;
};

export type Classification = { kind: ReplyKind; reason?: ReplyReason };

const DAEMON_SENDER = /^(mailer-daemon|postmaster)$/;
const AUTO_SENDER = /^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply)([+-].*)?$/;
const DSN_PART = /^message\/(global-)?delivery-status$/;
const AUTO_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);

/** Header names that mark generated mail (Discourse's rule), except the one we send ourselves. */
const AUTO_HEADER_NAME =
  /^(x-)?(auto[-_]?(submitted|replied|reply|generated|response|respond)|autoreply|autorespond(er)?)$/;
const AUTO_HEADER_EXEMPT = new Set(['x-auto-response-suppress']);

/**
 * Out-of-office and automatic-reply subject prefixes, matched on the subject with accents
 * removed and lowercased. Anchored at the start: clients prepend them to the original subject.
 */
const AUTO_SUBJECT = new RegExp(
  '^[\\s\\[(*]{0,3}(' +
    [
      'automatic reply',
      'auto(matic)?[- ]?(reply|response)',
      'autoreply',
      'out of (the )?office',
      'abwesenheitsnotiz',
      'automatische antwort',
      'reponse automatique',
      'respuesta automatica',
      'risposta automatica',
      'automatisch antwoord',
      'resposta automatica',
      'autosvar',
      'automatisk svar',
      'franvaro',
      'fuori sede',
      'fuori ufficio',
      'odpowiedz automatyczna',
      'автоматический ответ',
      'автоответ',
      '自动回复',
      '自動回覆',
      '自動応答',
    ].join('|') +
    // \b is ASCII-only even with the u flag, so the end of a word is spelled out
    ')(?![\\p{L}\\p{N}])',
  'u'
);

/** Old-style bounces (qmail, Exchange NDRs) carry no DSN part; the subject and sender tell. */
const BOUNCE_SUBJECT =
  /^(undeliverable|undelivered mail|delivery status notification \(failure\)|mail delivery (failed|failure|system)|returned mail|failure notice|non remis|unzustellbar|no se puede entregar|non recapitabile|onbestelbaar)\b/;

export function foldForMatch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .trim();
}

function localPart(address: string): string {
  return address.split('@')[0] ?? '';
}

function isBounce(facts: MessageFacts): boolean {
  if (facts.contentType === 'multipart/report' && facts.reportType === 'delivery-status')
    return true;
  if (facts.partTypes.some((t) => DSN_PART.test(t))) return true;
  if (firstValue(facts.fields, 'x-failed-recipients') !== null) return true;
  return (
    DAEMON_SENDER.test(localPart(facts.from)) && BOUNCE_SUBJECT.test(foldForMatch(facts.subject))
  );
}

function isList(fields: readonly HeaderField[]): boolean {
  const has = (name: string) => fields.some((f) => f.name === name);
  if (has('list-id') || has('list-post') || has('x-mailman-version') || has('x-mailing-list')) {
    return true;
  }
  const precedence = bareValue(firstValue(fields, 'precedence') ?? '');
  return has('list-unsubscribe') && precedence === 'list';
}

function autoReplyReason(facts: MessageFacts): ReplyReason | null {
  const { fields } = facts;
  if (facts.contentType === 'multipart/report' && facts.reportType === 'disposition-notification') {
    return 'mdn';
  }
  for (const value of fields.filter((f) => f.name === 'auto-submitted').map((f) => f.value)) {
    if (bareValue(value) !== 'no') return 'auto-submitted';
  }
  const precedence = bareValue(firstValue(fields, 'precedence') ?? '');
  if (AUTO_PRECEDENCE.has(precedence)) return 'precedence';
  for (const { name, value } of fields) {
    if (name === 'auto-submitted' || AUTO_HEADER_EXEMPT.has(name)) continue;
    // "X-Autoreply: no" is rare but explicit; any other value (or none) means generated.
    if (AUTO_HEADER_NAME.test(name) && !/^(no|false|0)$/i.test(bareValue(value))) {
      return 'auto-reply-header';
    }
  }
  if (AUTO_SUBJECT.test(foldForMatch(facts.subject))) return 'auto-reply-subject';
  if (AUTO_SENDER.test(localPart(facts.from))) return 'auto-sender';
  return null;
}

export function classifyMessage(facts: MessageFacts): Classification {
  if (isBounce(facts)) return { kind: 'bounce', reason: 'dsn' };
  if (facts.from && facts.ownAddresses.has(facts.from))
    return { kind: 'other', reason: 'own-mail' };
  if (isList(facts.fields)) return { kind: 'other', reason: 'list' };
  const auto = autoReplyReason(facts);
  if (auto) return { kind: 'auto-reply', reason: auto };
  return { kind: 'reply' };
}
