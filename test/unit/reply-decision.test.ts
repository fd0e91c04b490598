/**
 * The decision grammar (first meaningful line only, strong and weak words, negation,
 * ambiguity, languages) and the reference token pattern. Assertions are on decisions and
 * reason codes.
 */
import { describe, expect, test } from '@jest/globals';
import { REFERENCE_PATTERN, findReference, readDecision } from '../../server/src/mail/reply';

const decide = (text: string, subject?: string) => readDecision(text, subject);

describe('readDecision', () => {
  const decided: Array<[string, 'approve' | 'reject', string]> = [
    ['APPROVE', 'approve', ''],
    ['approve\n\nLooks good', 'approve', 'Looks good'],
    ['Approved!', 'approve', ''],
    ['**APPROVE** ship it', 'approve', 'ship it'],
    ['Approve: Spring launch article', 'approve', 'Spring launch article'],
    ['REJECT typo in title', 'reject', 'typo in title'],
    ['Rejected - wrong image\nAnd the date is off', 'reject', 'wrong image\nAnd the date is off'],
    ['Declined.', 'reject', ''],
    ['Hi Anna,\n\nAPPROVE\nThanks', 'approve', 'Thanks'],
    ['Dear Mr. Smith,\nREJECT: wrong image', 'reject', 'wrong image'],
    ['Bonjour,\n\nApprouvé, merci', 'approve', 'merci'],
    ['> quoted line\nAPPROVE', 'approve', ''],
    ['GENEHMIGT – bitte Montag veröffentlichen', 'approve', 'bitte Montag veröffentlichen'],
    ['Freigegeben', 'approve', ''],
    ['Abgelehnt: Tippfehler im Titel', 'reject', 'Tippfehler im Titel'],
    ['APPROUVE', 'approve', ''],
    ['Accepté', 'approve', ''],
    ['Rejeté, il manque une image', 'reject', 'il manque une image'],
    ['Refusé', 'reject', ''],
    ['Aprobado', 'approve', ''],
    ['Rechazado: falta la traducción', 'reject', 'falta la traducción'],
    ['Approvato', 'approve', ''],
    ['Rifiutato', 'reject', ''],
    ['Respinto', 'reject', ''],
    ['Goedgekeurd', 'approve', ''],
    ['Akkoord', 'approve', ''],
    ['Afgewezen', 'reject', ''],
    ['Aprovado', 'approve', ''],
    ['Rejeitado', 'reject', ''],
    ['Recusado', 'reject', ''],
  ];
  for (const [text, decision, comment] of decided) {
    test(`${JSON.stringify(text)} decides ${decision}`, () => {
      expect(decide(text)).toStrictEqual({ decision, comment });
    });
  }

  // Weak words are conversation unless they stand alone on the line.
  const weak: Array<[string, 'approve' | 'reject' | null]> = [
    ['YES', 'approve'],
    ['ok.', 'approve'],
    ['Okay!', 'approve'],
    ['Ja', 'approve'],
    ['Oui', 'approve'],
    ['Sí', 'approve'],
    ['Sì', 'approve'],
    ['Sim', 'approve'],
    ['✅', 'approve'],
    ['No', 'reject'],
    ['Nein.', 'reject'],
    ['Non', 'reject'],
    ['Nee', 'reject'],
    ['Não', 'reject'],
    ['❌', 'reject'],
    ['Yes, but fix the title first', null],
    ['OK, I will look tomorrow', null],
    ['Ja, aber erst morgen', null],
  ];
  for (const [text, decision] of weak) {
    test(`weak word ${JSON.stringify(text)} ${decision ? `decides ${decision}` : 'does not decide'}`, () => {
      const result = decide(text);
      expect(result.decision).toBe(decision);
      if (!decision) expect(result).toStrictEqual({ decision: null, reason: 'no-decision-line' });
    });
  }

  const undecided: Array<[string, string]> = [
    ['I do not approve', 'negated'],
    ["Don't approve yet", 'negated'],
    ['Not approved', 'negated'],
    ['I can’t approve this', 'negated'],
    ['Nicht genehmigt', 'negated'],
    ['Das ist nicht freigegeben', 'negated'],
    ['Pas approuvé', 'negated'],
    ['Je n’approuve pas', 'negated'],
    ['No apruebo', 'negated'],
    ['Non approvo', 'negated'],
    ['Niet goedgekeurd', 'negated'],
    ['Não aprovado', 'negated'],
    ['APPROVE - no rejection needed', 'negated'],
    ['No problem, go ahead', 'negated'],
    // Any negation anywhere on the line, before or after the decision word, in every language;
    // a comment on the same line counts (comments belong on the next lines).
    ['APPROVE, but don’t publish before Monday', 'negated'],
    ['Approved, but not the second image', 'negated'],
    ['Approve it? Not yet', 'negated'],
    ['APPROVE nothing has changed, no', 'negated'],
    ['Genehmigen kann ich das so nicht', 'negated'],
    ['Genehmigt ist es noch nicht', 'negated'],
    ['Freigegeben? Nein', 'negated'],
    ['Abgelehnt, aber keine Eile', 'negated'],
    ['Approuvé, mais ne publiez pas avant lundi', 'negated'],
    ['Approuvé pas encore', 'negated'],
    ['Refusé, jamais de la vie', 'negated'],
    ['Aprobado no', 'negated'],
    ['Aprobado, pero nunca el lunes', 'negated'],
    ['Approvato, ma non pubblicare', 'negated'],
    ['Approvato mai', 'negated'],
    ['Goedgekeurd is het nog niet', 'negated'],
    ['Akkoord, maar geen haast', 'negated'],
    ['Aprovado, mas não publicar', 'negated'],
    ['Aprovado nunca', 'negated'],
    ['APPROVE dont publish', 'negated'],
    ['APPROVE, it isn’t ready', 'negated'],
    // A question anywhere on the line is doubt.
    ['Approve this?', 'ambiguous'],
    ['APPROVE. Could you fix the title later?', 'ambiguous'],
    ['Genehmigt?', 'ambiguous'],
    ['¿Aprobado?', 'ambiguous'],
    ['Goedgekeurd?', 'ambiguous'],
    ['Aprovado ?', 'ambiguous'],
    ['Approvato?', 'ambiguous'],
    ['Approve or reject?', 'ambiguous'],
    ['APPROVE, then REJECT the old version', 'ambiguous'],
    ['YES, reject it', 'ambiguous'],
    ['Approved?', 'ambiguous'],
    ['APPROUVÉ ?', 'ambiguous'],
    ['Looks good to me, APPROVE', 'no-decision-line'],
    ['Hi, APPROVE', 'no-decision-line'],
    ['Approval granted', 'no-decision-line'],
    ['Hi I have doubts\nAPPROVE', 'no-decision-line'],
    ['> APPROVE\n> Looks good.', 'no-decision-line'],
    ['', 'no-decision-line'],
  ];
  for (const [text, reason] of undecided) {
    test(`${JSON.stringify(text)} gives no decision (${reason})`, () => {
      expect(decide(text)).toStrictEqual({ decision: null, reason });
    });
  }

  test('only the first meaningful line decides', () => {
    expect(decide('Thanks for the reminder.\nAPPROVE')).toStrictEqual({
      decision: null,
      reason: 'no-decision-line',
    });
  });

  test('an Outlook voting subject decides only when the body says nothing', () => {
    expect(decide('', 'Approve: Approval requested: X')).toStrictEqual({
      decision: 'approve',
      comment: '',
    });
    expect(decide('', 'Reject: Approval requested: X')).toStrictEqual({
      decision: 'reject',
      comment: '',
    });
    expect(decide('', 'Re: Approve: X').decision).toBe(null);
    expect(decide('Not sure yet', 'Approve: Approval requested: X').decision).toBe(null);
  });
});

describe('REFERENCE_PATTERN', () => {
  const token = 'APR-1042-0-k7GQ2xbT9mZpW4sLr3D1aA';

  test('finds the token in subjects and bodies, whole, with base64url edge characters', () => {
    expect(REFERENCE_PATTERN.exec(`Re: Approval requested [Ref: ${token}]`)?.[0]).toBe(token);
    expect(REFERENCE_PATTERN.exec('Ref: APR-7-1-ab_cd-ef-')?.[0]).toBe('APR-7-1-ab_cd-ef-');
    expect(REFERENCE_PATTERN.exec(`(${token}).`)?.[0]).toBe(token);
  });

  test('refuses tokens glued to words, too short, or longer than 200 characters', () => {
    expect(REFERENCE_PATTERN.exec(`xAPR-${'a'.repeat(20)}`)).toBe(null);
    expect(REFERENCE_PATTERN.exec('APR-abc')).toBe(null);
    expect(REFERENCE_PATTERN.exec(`APR-${'a'.repeat(201)}`)).toBe(null);
    expect(REFERENCE_PATTERN.exec(`APR-${'a'.repeat(200)}`)).toBeTruthy();
  });

  test('the first source with a token wins; two different tokens in it mean none', () => {
    expect(findReference(['no token', `body ${token}`, 'APR-999999-1-other'])).toBe(token);
    expect(findReference([`${token} and again ${token}`])).toBe(token);
    expect(findReference([`${token} APR-999999-1-other`, token])).toBe(null);
    expect(findReference([])).toBe(null);
  });
});
