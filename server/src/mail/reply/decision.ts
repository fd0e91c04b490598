/**
 * Reads APPROVE / REJECT from the first meaningful line of a reduced reply. A false approval
 * publishes content nobody approved, a missed one costs the approver a second email, so every
 * doubt resolves to "no decision" with a reason the confirmation mail can explain.
 *
 * - The first meaningful line is the first line that is not blank, not `>`-quoted and not a
 *   bare greeting ("Hi Anna,", "Bonjour,"; at most two such lines are skipped). Only that
 *   line can decide; everything after the decision word is the comment.
 * - Strong words (APPROVE, GENEHMIGT, REJECT, ABGELEHNT, …) decide when they are the first
 *   word, followed by anything: "REJECT typo in title".
 * - Weak words (YES, OK, JA, OUI, SÍ, NO, NEIN, NON, …, ✅ ❌) decide only when they are alone
 *   on the line. "OK" or "Yes." answering "approve this?" is clear; "Yes, but fix the title"
 *   or "OK, I'll look tomorrow" is conversation, not a decision.
 * - Any negation anywhere on the line gives 'negated', before or after the decision word and
 *   in a comment on the same line: "I do not approve", "Genehmigen kann ich das so nicht"
 *   (German and Dutch put the negation after the verb), "APPROVE, but don't publish yet".
 *   Comments go on the next lines, as the request email says. Only a lone weak word that is
 *   itself a "no" ("No.", "Nein", "Non") decides, as a rejection.
 * - A question mark anywhere on the line, or words of both sides, give 'ambiguous'.
 * - The line is read word by word, in one pass: no pattern here can backtrack.
 * - Accents are optional (APPROUVE = APPROUVÉ) and case does not matter.
 */
import { QUOTE } from './patterns';
import type { Decision, ReplyReason } from './types';

export type DecisionResult =
  | { decision: Decision; comment: string }
  | { decision: null; reason: Extract<ReplyReason, 'no-decision-line' | 'ambiguous' | 'negated'> };

const STRONG = new Map<string, Decision>([
  ...'APPROVE APPROVED GENEHMIGT GENEHMIGEN FREIGEGEBEN APPROUVE APPROUVEE APPROUVER ACCEPTE ACCEPTEE APROBADO APROBADA APROBAR APPROVATO APPROVATA APPROVO GOEDGEKEURD AKKOORD APROVADO APROVADA APROVAR'
    .split(' ')
    .map((w): [string, Decision] => [w, 'approve']),
  ...'REJECT REJECTED DECLINE DECLINED ABGELEHNT ABLEHNEN REJETE REJETEE REJETER REFUSE REFUSEE REFUSER RECHAZADO RECHAZADA RECHAZAR RIFIUTATO RIFIUTATA RESPINTO RESPINTA AFGEWEZEN REJEITADO REJEITADA RECUSADO RECUSADA'
    .split(' ')
    .map((w): [string, Decision] => [w, 'reject']),
]);

const WEAK = new Map<string, Decision>([
  ...'YES OK OKAY JA OUI SI SIM ✅'.split(' ').map((w): [string, Decision] => [w, 'approve']),
  ...'NO NEIN NON NEE NAO ❌'.split(' ').map((w): [string, Decision] => [w, 'reject']),
]);

/** Word beginnings of each side, for spotting the other side or a negation on the line. */
const APPROVE_STEMS =
  'APPROV|APROB|APRUEB|APROV|GENEHMIG|FREIGEG|APPROUV|ACCEPT|GOEDGEKEUR|AKKOORD';
const REJECT_STEMS =
  'REJECT|REJET|REJEIT|DECLIN|ABLEHN|ABGELEHN|REFUS|RECHAZ|RIFIUT|RESPINT|AFGEWEZ|RECUS';
const stemPattern = (stems: string) => new RegExp(`(?<!\\p{L})(?:${stems})`, 'u');
const STEMS: Record<Decision, RegExp> = {
  approve: stemPattern(APPROVE_STEMS),
  reject: stemPattern(REJECT_STEMS),
};

/**
 * Negations of every supported language, as folded words. Words ending in N'T ("DON'T",
 * "ISN'T") and French elisions ("N'APPROUVE") are negations too (see isNegation).
 */
const NEGATIONS = new Set(
  [
    // English (also without the apostrophe, as phones often type it)
    'NOT NO NOR NEVER NEITHER NONE CANNOT DONT DOESNT DIDNT CANT WONT WOULDNT SHOULDNT ISNT ARENT WASNT',
    // German
    'NICHT NICHTS KEIN KEINE KEINEN KEINER KEINES KEINEM NIE NIEMALS NEIN',
    // French
    'NE PAS JAMAIS NON AUCUN AUCUNE NI',
    // Spanish
    'NUNCA JAMAS TAMPOCO NINGUN NINGUNO NINGUNA',
    // Italian
    'MAI NESSUN NESSUNO NESSUNA NIENTE',
    // Dutch
    'NIET GEEN NOOIT NEE',
    // Portuguese (NÃO folds to NAO)
    'NAO NEM NENHUM NENHUMA',
  ]
    .join(' ')
    .split(' ')
);

const isNegation = (word: string) =>
  NEGATIONS.has(word) || word.endsWith("N'T") || word.startsWith("N'");

/** The folded words of a line: letters and apostrophes ("DON'T", "N'APPROUVE"), ✅ and ❌. */
const wordsOf = (folded: string) => folded.split(/[^\p{L}'✅❌]+/u).filter((w) => w !== '');

const GREETING = new RegExp(
  '^(?:HI|HELLO|HEY|DEAR|GREETINGS|GOOD (?:MORNING|AFTERNOON|EVENING|DAY)|HALLO|GUTEN (?:MORGEN|TAG|ABEND)|LIEBE[RS]?|SEHR GEEHRTE[RS]?|MOIN|SERVUS|GRUEZI|BONJOUR|BONSOIR|SALUT|CHERE?S?|HOLA|BUENOS DIAS|BUENAS(?: TARDES| NOCHES)?|ESTIMAD[OA]S?|QUERID[OA]S?|CIAO|SALVE|BUONGIORNO|BUONASERA|GENTILE|CAR[OAI]|HOI|BESTE|GEACHTE|GOEDEMORGEN|GOEDEMIDDAG|OLA|OI|BOM DIA|BOA TARDE|PREZAD[OA]S?|HEJ)' +
    // the greeting word alone, or with up to three name words and a closing , ! or :
    "(?:\\s*[,!:.]?|(?:\\s+[\\p{L}'.-]+){1,3}\\s*[,!:])$",
  'u'
);
const MAX_GREETINGS = 2;
/** A greeting is short ("Dear Ms. Anna Maria Berger,"): longer lines are not tried. */
const MAX_GREETING_LINE = 120;
/** The decision word and its punctuation are at the start: patterns see this much of a line. */
const MAX_DECISION_LINE = 1000;

/** Outlook voting replies put the choice in the subject ("Approve: <subject>") and may have no body. */
const SUBJECT_VOTE = /^\s*(approve|reject)\s*:/i;

// One class for blanks and opening marks, so that a run of them is taken in one way only.
const FIRST_WORD = /^[\s*_"'“”„«»([]*([\p{L}\p{M}]+|✅|❌)\uFE0F?/u;
const AFTER_WORD = /^[*_"'“”»)\]]*\s*([.!:;,?\-–—]*)\s*/u;

/** Uppercase, accents and typographic apostrophes removed: "n’approuve" -> "N'APPROUVE". */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[’‘`]/g, "'")
    .toUpperCase();
}

const hasDecisionWord = (folded: string) =>
  STEMS.approve.test(folded) ||
  STEMS.reject.test(folded) ||
  folded.split(/[^\p{L}✅❌]+/u).some((w) => WEAK.has(w) || STRONG.has(w));

/** Index of the line that may decide, or -1 when the reply has none. */
function decisionLineIndex(lines: readonly string[]): number {
  let greetings = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || QUOTE.test(line)) continue;
    if (line.length > MAX_GREETING_LINE) return i;
    const folded = fold(line);
    if (greetings < MAX_GREETINGS && GREETING.test(folded) && !hasDecisionWord(folded)) {
      greetings += 1;
      continue;
    }
    return i;
  }
  return -1;
}

export function readDecision(text: string, subject = ''): DecisionResult {
  const lines = text.split('\n');
  const index = decisionLineIndex(lines);
  if (index < 0) {
    const vote = SUBJECT_VOTE.exec(subject);
    if (!vote) return { decision: null, reason: 'no-decision-line' };
    return { decision: vote[1].toLowerCase() as Decision, comment: text.trim() };
  }
  const fullLine = lines[index];
  // The whole line is read for negations and questions (a scan); the patterns see its start.
  const line = fullLine.slice(0, MAX_DECISION_LINE);
  const folded = fold(line);
  const words = wordsOf(fold(fullLine));
  // "No." alone is a rejection, not the negation of one; any other "no" on the line is doubt.
  const loneWeakWord = words.length === 1 && WEAK.has(words[0]);
  if (!loneWeakWord && words.some(isNegation)) return { decision: null, reason: 'negated' };
  if (/[?¿]/.test(fullLine)) return { decision: null, reason: 'ambiguous' };
  if (STEMS.approve.test(folded) && STEMS.reject.test(folded)) {
    return { decision: null, reason: 'ambiguous' };
  }
  const first = FIRST_WORD.exec(line);
  const word = first ? fold(first[1]) : '';
  const strong = STRONG.get(word);
  const side = strong ?? WEAK.get(word);
  if (!first || !side) return { decision: null, reason: 'no-decision-line' };
  const after = fullLine.slice(first[0].length);
  const punctuation = AFTER_WORD.exec(after.slice(0, MAX_DECISION_LINE)) as RegExpExecArray;
  const rest = after.slice(punctuation[0].length);
  const other = side === 'approve' ? 'reject' : 'approve';
  if (STEMS[other].test(fold(rest))) {
    return { decision: null, reason: 'ambiguous' };
  }
  if (!strong && rest.trim() !== '') return { decision: null, reason: 'no-decision-line' };
  const comment = [rest, ...lines.slice(index + 1)].join('\n').trim();
  return { decision: side, comment };
}
