/**
 * The line patterns of reply trimming, in many languages. Each list is data: adding a client
 * or a language means adding a line here, not touching the rules in trim.ts. Every pattern is
 * anchored and uses bounded quantifiers so that a hostile line cannot make matching slow.
 */

/** A separator line made only of these characters ends the reply ("-- ", "____", "=====", …). */
export const DELIMITER = /^\s*(?:[-_=+~#*,ᐧ—–]{2,}|[ᐧ—])\s*$/u;

/** The usenet signature delimiter; kept when signatures are kept. */
export const SIGNATURE_DELIMITER = /^--\s?$/;

export const QUOTE = /^\s*(?:>|[A-Za-z]{1,12}>(?=\s|$))/;

export const CODE_FENCE = /^\s*(?:```|~~~)/;

/** Mobile and client signatures, removed line by line ("Sent from my iPhone", …). */
export const SIGNATURES: readonly RegExp[] = [
  /^[\s(<]*sent (?:from|via|with|by|using) .{1,150}$/i,
  /^\s*\S+ from mobile\s*$/i,
  /^\s*from my [\w .-]{1,20}$/i,
  /^\s*get outlook for /i,
  /^\s*envoy[ée] (?:depuis|de|à partir de) (?:mon|ma|yahoo|l'application)/i,
  /^\s*von meine[mr]? .{1,60} gesendet/i,
  /^\s*gesendet (?:von|mit|vom) (?:meinem|meiner|mein|iphone|ipad)/i,
  /^\s*diese nachricht wurde von .{1,100} gesendet/i,
  /^\s*inviato (?:da|dal|dalla) /i,
  /^\s*enviado (?:desde|de) (?:mi|mí) /i,
  /^\s*enviado (?:do|a partir do) meu /i,
  /^\s*(?:verzonden|verstuurd) (?:met|vanaf|van) /i,
  /^\s*sendt fra (?:min|mit) /i,
  /^\s*(?:skickat )?från min /i,
  /^\s*wysłane z (?:mojego|mojej|aplikacji) /i,
  /^\s*отправлено (?:с|из) /i,
  /^\s*從我的.{1,30}傳送/,
  /^\s*发自我的/,
  /^\s*.{1,30}から送信\s*$/,
];

/**
 * Leading quote markers and blanks are matched as an atomic run, `^(?=([…]*))\1`: a line of a
 * thousand ">" must not make the engine retry every split of the run before the pattern.
 *
 * Quote headers ("On … wrote:"), one per line. Those that begin with a common word ("On",
 * "Le", "Am", …) also need a digit or an address so that ordinary sentences do not match.
 */
const LEAD = String.raw`^(?=([\s>*_-]*))\1`;
const TAIL = String.raw`[\s.:>*_-]*$`;
const DATED = String.raw`(?=.*[\d@])`;
export const QUOTE_HEADERS: readonly RegExp[] = [
  new RegExp(`${LEAD}(?:On|At)\\s${DATED}.{1,250}?\\b(?:wrote|writes|said|says)${TAIL}`, 'i'),
  new RegExp(`${LEAD}In message\\s.{1,250}?\\bwrites?${TAIL}`, 'i'),
  new RegExp(`${LEAD}Le\\s${DATED}.{1,250}?\\b(?:a\\s+écrit|nous\\s+a\\s+dit)${TAIL}`, 'i'),
  new RegExp(
    `${LEAD}Am\\s${DATED}.{1,250}?\\b(?:schrieb\\b.{0,150}:|geschrieben|schrieben Sie)${TAIL}`,
    'i'
  ),
  new RegExp(`${LEAD}El\\s${DATED}.{1,250}?\\bescribi[óo]${TAIL}`, 'i'),
  new RegExp(`${LEAD}Il\\s${DATED}.{1,250}?\\bha\\s+scritto${TAIL}`, 'i'),
  new RegExp(
    `${LEAD}Op\\s${DATED}.{1,250}?(?:\\bschreef\\b.{0,150}:|het\\s+volgende\\s+geschreven)${TAIL}`,
    'i'
  ),
  new RegExp(`${LEAD}Em\\s${DATED}.{1,250}?\\bescreveu${TAIL}`, 'i'),
  new RegExp(`${LEAD}(?:Dnia|W dniu|Dňa)\\s.{1,250}?(?:napisał(?:\\(a\\)|a)?|pisze)${TAIL}`, 'i'),
  new RegExp(`${LEAD}(?:Den|[a-zæøå]{3}\\.)\\s${DATED}.{1,250}?\\bskrev\\b.{0,150}:\\s*$`, 'i'),
  /^(?=([\s>]*))\1\d.{1,250}?\bskrev\b.{0,150}:\s*$/i,
  /^(?=([\s>]*))\1\d.{1,250}?(?:napisał(?:\(a\)|a)?|написал(?:а|\(а\))?|пише)\s*:\s*$/i,
  /^(?=([\s>*-]*))\1.{0,250}?пользователь.{1,250}?написал(?:а|\(а\))?\s*:?\s*$/i,
  /^(?=([\s>*-]*))\1在.{1,250}?写道[:：]?\s*$/,
  /^(?=([\s>*-]*))\1於.{1,250}?寫道[:：]?\s*$/,
  // "2013/7/20 sam via Discourse <info@x.org>", "26.06.2014, 14:41, "A" <a@x.com>:"
  /^(?=([\s>]*))\1.{0,60}?\d{4}.{1,120}?<\s*[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+(?:<mailto:[^\s<>]+>)?\s*>\s*:?\s*$/,
  // "2016-03-03 17:21 GMT+01:00 Some One" (Gmail, some locales)
  /^(?=([\s>]*))\1(?:20)\d\d-\d\d-\d\d \d\d?:\d\d GMT[+-]\d\d:\d\d(?:\s[^:<>]{0,80})?$/,
  // "Max <max@x.org> schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:", "… wrote on …:"
  /^(?=([\s>]*))\1.{1,150}\b(?:schrieb\s+am|wrote\s+on)\s.{1,150}:\s*$/i,
  /^(?=([\s>]*))\1.{1,150}\svia\s.{1,150}\s(?:wrote|schrieb):?\s*$/i,
  /^(?=([\s>]*))\1[^@]{1,150}@[\w-]+(?:\.[\w-]+)+.{0,60}\swrote:?\s*$/i,
  /^(?=([\s>]*))\1Posted by .{1,100} on \d{1,2}\/\d{1,2}\/\d{4}\s*$/i,
];

/** Separators that introduce the original or a forwarded message. */
const SEPARATOR_WORDS = [
  'Original Message',
  'Forwarded Message',
  'Reply Message',
  'Ursprüngliche Nachricht',
  'Originalnachricht',
  'Weitergeleitete Nachricht',
  'Mensaje original',
  'Mensaje reenviado',
  "Message d'origine",
  'Message original',
  'Message transféré',
  'Messaggio originale',
  'Messaggio inoltrato',
  'Oorspronkelijk bericht',
  'Origineel bericht',
  'Doorgestuurd bericht',
  'Mensagem original',
  'Mensagem encaminhada',
  'Originalmeddelande',
  'Vidarebefordrat meddelande',
  'Opprinnelig melding',
  'Videresendt melding',
  'Oprindelig meddelelse',
  'Videresendt meddelelse',
  'Wiadomość oryginalna',
  'Przekazana wiadomość',
  'Исходное сообщение',
  'Пересылаемое сообщение',
  'Původní zpráva',
  '原始邮件',
  '原始郵件',
  '転送されたメッセージ',
].join('|');

export const SEPARATORS: readonly RegExp[] = [
  new RegExp(`^(?=([\\s>*]*))\\1-{2,}\\s*(?:${SEPARATOR_WORDS})\\s*-{2,}[\\s*]*$`, 'iu'),
  new RegExp(`^(?=([\\s>*]*))\\1(?:${SEPARATOR_WORDS})\\s*:?[\\s*]*$`, 'iu'),
  /^(?=([\s>*]*))\1(?:Begin forwarded message|Début du message (?:réexpédié|transféré)|Anfang der weitergeleiteten (?:Nachricht|E-Mail)|Inicio del mensaje reenviado|Inizio messaggio inoltrato|Begin doorgestuurd bericht|Início da mensagem (?:reencaminhada|encaminhada))\s*:?[\s*]*$/iu,
];

/** Lines that may begin a quote header wrapped over several lines. */
export const QUOTE_HEADER_OPENER =
  /^(?=([\s>*-]*))\1(?:(?:On|At|Le|Am|El|Il|Op|Em|Dnia|W dniu|Dňa|Den|In message)\s|在|於|\d)|\b(?:wrote\s+on|schrieb\s+am)\b/i;

/** Header names of the original-message block that clients insert above the quote. */
const FROM_NAMES = 'From|Von|De|Da|Van|Från|Fra|Od|Expéditeur|От|发件人|寄件者|差出人';
const DATE_NAMES =
  'Sent|Date|Gesendet|Datum|Envoyé(?: le)?|Enviado(?: el)?|Enviada em|Fecha|Inviato|Data|Verzonden|Skickat|Sendt|Wysłano|Отправлено|Дата|发送时间|傳送時間|送信日時';
const OTHER_NAMES =
  'To|Cc|Bcc|Subject|Reply-To|An|Betreff|Kopie|À|A|Objet|Destinataire|Répondre à|Para|Asunto|Assunto|CC|Oggetto|Risposta|Aan|Onderwerp|Beantwoorden - Aan|Till|Kopia|Ämne|Til|Emne|Kopi|Do|Temat|DW|Кому|Копия|Тема|收件人|抄送|主题|收件者|副本|主旨|宛先|件名';

const headerLine = (names: string) =>
  new RegExp(`^(?=([\\s*_]*))\\1(?:${names})[\\s*_]*[:：][\\s*_]*\\S`, 'iu');

export const FROM_HEADER = headerLine(FROM_NAMES);
export const DATE_HEADER = headerLine(DATE_NAMES);
export const HEADER = headerLine(`${FROM_NAMES}|${DATE_NAMES}|${OTHER_NAMES}`);
