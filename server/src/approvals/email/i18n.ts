/**
 * The words of the request email in the approver's admin language (`admin::user`'s
 * `preferedLanguage`, as Strapi spells it). A small server-side catalogue: the admin's own
 * translations live in the browser bundle. A missing language or key falls back to English; the
 * `[Ref: …]` token and the decision words APPROVE / REJECT are never translated (the inbox reads
 * them in every language, and the reference must stay byte-for-byte what we signed).
 */

const en = {
  subject: 'Approval requested: {title}',
  preview: '{who} asks for your approval of “{title}”.',
  intro: '{who} asks you to approve: {action} “{title}” ({type}).',
  someone: 'Someone',
  actionPublish: 'publish',
  note: 'Note from the requester',
  approve: 'Approve',
  reject: 'Reject',
  buttonsHelp:
    'Each button opens a reply that is ready to send. Add a comment below the first line if you like.',
  rulesTitle: 'How to answer',
  ruleFirstLine: 'Reply APPROVE or REJECT on the first line.',
  ruleComment: 'Anything below the first line is your comment.',
  policyAny: 'The first answer decides.',
  policyAll: 'Every approver must approve.',
  expires: 'This request expires on {date}.',
  open: 'Open it in Strapi',
  entry: 'The entry',
  changes: 'What changed since the published version',
  noChanges: 'No field differs from the published version.',
  firstPublication: 'Not published yet: approving publishes it for the first time.',
  before: 'Before',
  after: 'After',
  empty: '(empty)',
  cut: '… cut, {n} more characters — open it in Strapi',
  unavailable: 'Cannot be shown here — open it in Strapi',
  moreItems: '… and {n} more',
  yes: 'Yes',
  no: 'No',
  image: 'Image',
  fieldsCut: '{n} more fields — open it in Strapi',
  approvedSubject: 'Approved: {title}',
  rejectedSubject: 'Rejected: {title}',
  approvedBy: '{who} approved “{title}”.',
  rejectedBy: '{who} rejected “{title}”.',
  comment: 'Comment',
  reminderSubject: 'Reminder: {subject}',
  reminder: 'Reminder: your answer is still awaited. This request expires on {date}.',
};

export type MessageKey = keyof typeof en;
type Catalogue = Record<MessageKey, string>;

const fr: Catalogue = {
  subject: 'Demande d’approbation : {title}',
  preview: '{who} demande votre approbation pour « {title} ».',
  intro: '{who} vous demande d’approuver : {action} « {title} » ({type}).',
  someone: 'Quelqu’un',
  actionPublish: 'publier',
  note: 'Note du demandeur',
  approve: 'Approuver',
  reject: 'Rejeter',
  buttonsHelp:
    'Chaque bouton ouvre une réponse prête à envoyer. Ajoutez un commentaire sous la première ligne si vous le souhaitez.',
  rulesTitle: 'Comment répondre',
  ruleFirstLine: 'Répondez APPROVE ou REJECT sur la première ligne.',
  ruleComment: 'Tout ce qui suit la première ligne est votre commentaire.',
  policyAny: 'La première réponse décide.',
  policyAll: 'Chaque approbateur doit approuver.',
  expires: 'Cette demande expire le {date}.',
  open: 'L’ouvrir dans Strapi',
  entry: 'L’entrée',
  changes: 'Ce qui a changé depuis la version publiée',
  noChanges: 'Aucun champ ne diffère de la version publiée.',
  firstPublication: 'Pas encore publiée : l’approuver la publie pour la première fois.',
  before: 'Avant',
  after: 'Après',
  empty: '(vide)',
  cut: '… coupé, encore {n} caractères — ouvrez-le dans Strapi',
  unavailable: 'Impossible à afficher ici — ouvrez-le dans Strapi',
  moreItems: '… et {n} de plus',
  yes: 'Oui',
  no: 'Non',
  image: 'Image',
  fieldsCut: 'encore {n} champs — ouvrez-le dans Strapi',
  approvedSubject: 'Approuvé : {title}',
  rejectedSubject: 'Rejeté : {title}',
  approvedBy: '{who} a approuvé « {title} ».',
  rejectedBy: '{who} a rejeté « {title} ».',
  comment: 'Commentaire',
  reminderSubject: 'Rappel : {subject}',
  reminder: 'Rappel : votre réponse est toujours attendue. Cette demande expire le {date}.',
};

const CATALOGUES: Record<string, Partial<Catalogue>> = { en, fr };

export const EMAIL_LANGUAGES = Object.keys(CATALOGUES);

/** The catalogue's language for an admin's preference ("fr", "fr-CA", null…): en by default. */
export function emailLanguage(preference: unknown): string {
  if (typeof preference !== 'string') return 'en';
  const base = preference.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return base in CATALOGUES ? base : 'en';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** `t(key, vars)` in `language`, each key falling back to English. */
export function translator(language: string): Translate {
  const catalogue = CATALOGUES[emailLanguage(language)] ?? en;
  const numbers = new Intl.NumberFormat(emailLanguage(language));
  return (key, vars = {}) =>
    (catalogue[key] ?? en[key]).replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = vars[name];
      if (value === undefined) return whole;
      return typeof value === 'number' ? numbers.format(value) : value;
    });
}

/**
 * A date and time as the approver reads it. The approver's time zone is unknown to Strapi, so
 * the zone is written out (UTC) rather than guessed.
 */
export function formatDateTime(date: Date, language: string): string {
  return new Intl.DateTimeFormat(emailLanguage(language), {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone: 'UTC',
  })
    .format(date)
    .concat(' UTC');
}
