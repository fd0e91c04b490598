/**
 * Reduces the text of a reply to what its sender wrote: quoted text, quote headers, the
 * original message under an Outlook header block, forwarded parts and signatures go.
 *
 * Each line gets a class letter, then rules over the string of letters decide what stays
 * (the approach of discourse/email_reply_trimmer; the patterns live in patterns.ts):
 *   e empty · d delimiter · s mobile signature · b quote header or separator
 *   H line of an original-message header block · q quoted (">") · t text
 *
 * One rule is stricter than upstream on purpose: when the message *starts* with a quote
 * header or header block and unquoted text follows, that text is the original message (a
 * forward, or a client that does not mark quotes), never the sender's words. Only text after
 * `>`-quoted lines counts as a bottom-posted reply. Otherwise forwarding someone else's
 * "APPROVE" would read as one's own.
 */
import {
  CODE_FENCE,
  DATE_HEADER,
  DELIMITER,
  FROM_HEADER,
  HEADER,
  QUOTE,
  QUOTE_HEADERS,
  QUOTE_HEADER_OPENER,
  SEPARATORS,
  SIGNATURE_DELIMITER,
  SIGNATURES,
} from './patterns';

export type TrimOptions = {
  /** keep "-- " signatures and "Sent from my iPhone" lines (talon's notion of a reply) */
  keepSignature?: boolean;
};

/** A reply's own words are at the top; past these bounds only quoted material remains. */
export const MAX_TRIM_CHARS = 256 * 1024;
const MAX_LINES = 5000;
/** Quote headers and signatures are short; longer lines are text and skip the patterns. */
const MAX_PATTERN_LINE = 1000;
/** A wrapped quote header spans at most this many extra lines and characters. */
const MAX_JOIN_LINES = 5;
const MAX_JOIN_CHARS = 400;
/** Upstream's threshold: this much text after a quote is an inline reply, not a footer. */
const INLINE_REPLY_LINES = 7;

/** Invisible characters (bidi marks, zero-width spaces, BOM) that hide words from patterns. */
const INVISIBLE = /[\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\uFEFF\u00AD]/g;

export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(INVISIBLE, '')
    .replace(/\u00A0/g, ' ');
}

const isQuoteHeader = (line: string) =>
  QUOTE_HEADERS.some((r) => r.test(line)) || SEPARATORS.some((r) => r.test(line));

const isSignature = (line: string) => {
  const unlinked = line.replace(/\[([^\]]{1,200})\]\([^)]{1,500}\)/g, '$1');
  return SIGNATURES.some((r) => r.test(unlinked));
};

/**
 * The last fragment of a wrapped quote header: an address end, the verb, a colon. Matched on
 * the fragment with its leading quote marks and blanks and its trailing blanks already cut
 * (closerCore), so no two quantifiers here can take the same characters: a line of spaces
 * costs one pass, not a cubic number of retries.
 */
const CLOSER_CORE =
  /^(?:[\w.+-]*@[\w.-]+>*)?\s*(?:(?:wrote|writes|a\s+écrit|schrieb|escribió|ha\s+scritto|schreef|escreveu|napisał(?:\(a\))?|написал[а]?|пише|skrev|写道|寫道)\s*)?[:：]?$/iu;
const closerCore = (line: string) => stripLeading(line, ' \t>').trimEnd();
const isCloser = (line: string) => CLOSER_CORE.test(closerCore(line));

/** `line` without the leading characters of `chars`, by a scan (no pattern). */
function stripLeading(line: string, chars: string): string {
  let i = 0;
  while (i < line.length && (chars.includes(line[i]!) || /\s/.test(line[i]!))) i++;
  return line.slice(i);
}

/** Openers that start with a word, for stopping a join at the next quote header. */
const WORD_OPENER = /^[\s>*-]*(?:On|At|Le|Am|El|Il|Op|Em|Dnia|W dniu|Den)\s/i;

function classifyLine(line: string, keepSignature: boolean): string {
  if (line.trim() === '') return 'e';
  if (line.length > MAX_PATTERN_LINE) return QUOTE.test(line) ? 'q' : 't';
  if (SIGNATURE_DELIMITER.test(line)) return keepSignature ? 't' : 'd';
  if (DELIMITER.test(line)) return 'd';
  if (!keepSignature && isSignature(line)) return 's';
  if (isQuoteHeader(line)) return 'b';
  if (HEADER.test(line)) return 'h';
  if (QUOTE.test(line)) return 'q';
  return 't';
}

/**
 * Index of the last line of a quote header that starts at `i` and wraps over the next lines
 * (clients wrap long "On … wrote:" lines, even around blank lines), or -1. Once the joined
 * text reads as a header, only short closing fragments ("wrote:", "a écrit :", ">:") may
 * still be added: joining further would swallow the quote that follows.
 */
function wrappedHeaderEnd(lines: readonly string[], i: number): number {
  let joined = lines[i].trim();
  let end = isQuoteHeader(joined) ? i : -1;
  for (let k = i + 1; k <= i + MAX_JOIN_LINES && k < lines.length; k++) {
    const next = lines[k];
    const blank = next.trim() === '';
    if (!blank && WORD_OPENER.test(next)) break;
    if (end >= 0 && !(isCloser(next) && !blank)) break;
    joined += ' ' + stripLeading(next, ' \t>-');
    if (joined.length > MAX_JOIN_CHARS) break;
    if (!blank && isQuoteHeader(joined)) end = k;
  }
  return end;
}

function classify(lines: readonly string[], keepSignature: boolean): string[] {
  const cls: string[] = new Array(lines.length).fill('');
  let inCode = false;
  for (let i = 0; i < lines.length; i++) {
    // Fenced code is content: a "####" or "> x" inside it is not a separator or a quote.
    if (CODE_FENCE.test(lines[i])) inCode = !inCode;
    if (inCode || CODE_FENCE.test(lines[i])) {
      cls[i] = 't';
      continue;
    }
    if (cls[i]) continue;
    cls[i] = classifyLine(lines[i], keepSignature);
    if ('tqb'.includes(cls[i]) && lines[i].length <= MAX_PATTERN_LINE) {
      if (!QUOTE_HEADER_OPENER.test(lines[i])) continue;
      const end = wrappedHeaderEnd(lines, i);
      for (let k = i; k <= end; k++) cls[k] = 'b';
    }
  }
  return markHeaderBlocks(cls, lines);
}

/**
 * Header lines form a block when three or more follow each other (one wrapped value line or
 * blank line may sit between two of them), or when a From line and a Sent/Date line do.
 * Block lines become 'H'; a lone header-like line is just text ("Subject: see below").
 */
function markHeaderBlocks(cls: string[], lines: readonly string[]): string[] {
  for (let i = 0; i < cls.length; i++) {
    if (cls[i] !== 'h') continue;
    let end = i;
    while (end + 1 < cls.length) {
      if (cls[end + 1] === 'h') end += 1;
      else if (cls[end + 2] === 'h' && (cls[end + 1] === 't' || cls[end + 1] === 'e')) end += 2;
      else break;
    }
    const members = lines.slice(i, end + 1).filter((_, k) => cls[i + k] === 'h');
    const isBlock =
      members.length >= 3 ||
      (members.some((l) => FROM_HEADER.test(l)) && members.some((l) => DATE_HEADER.test(l)));
    for (let k = i; k <= end; k++) {
      if (cls[k] === 'h') cls[k] = isBlock ? 'H' : 't';
      else if (isBlock) cls[k] = 'H';
    }
    i = end;
  }
  return cls;
}

/** The first index >= from whose class is not in `skip`, or -1. */
function firstNotIn(cls: readonly string[], skip: string, from = 0): number {
  for (let i = from; i < cls.length; i++) if (!skip.includes(cls[i])) return i;
  return -1;
}

/**
 * The index of the first b that some text precedes (blank lines between) and after which
 * `rest` accepts the classes that follow. One pass: `rest` gets the counts it needs.
 */
function textThenHeader(cls: readonly string[], rest: (after: After) => boolean): number {
  const after = afterCounts(cls);
  let lastNonEmpty = '';
  for (let i = 0; i < cls.length; i++) {
    if (cls[i] === 'b' && lastNonEmpty === 't' && rest(after[i + 1]!)) return i;
    if (cls[i] !== 'e') lastNonEmpty = cls[i]!;
  }
  return -1;
}

/** What follows index i: whether a quote does, and the text lines after the last q or b. */
type After = { hasQuote: boolean; onlyTextAfterQuotes: boolean; textLines: number };

/** after[i] describes cls[i..] (computed from the end, once). */
function afterCounts(cls: readonly string[]): After[] {
  const out: After[] = new Array(cls.length + 1);
  out[cls.length] = { hasQuote: false, onlyTextAfterQuotes: true, textLines: 0 };
  // Walking back: a suffix is [eqb]*[te]* when, once a t was seen, no q/b comes after it... in
  // reverse, once a q or b is met, only e, q, b may precede it.
  let sawQuoteOrHeader = false;
  let broken = false;
  let textLines = 0;
  let hasQuote = false;
  for (let i = cls.length - 1; i >= 0; i--) {
    const c = cls[i]!;
    if (c === 'q') hasQuote = true;
    if (c === 'q' || c === 'b') sawQuoteOrHeader = true;
    else if (c === 't') {
      if (sawQuoteOrHeader) broken = true;
      else textLines += 1;
    } else if (c !== 'e') broken = true;
    out[i] = { hasQuote, onlyTextAfterQuotes: !broken, textLines };
  }
  return out;
}

function applyRules(lines: string[], cls: string[]): string[] {
  const cut = (end: number) => {
    lines = lines.slice(0, end);
    cls = cls.slice(0, end);
  };
  // Everything after a delimiter ("-- ", "_____") is a signature or the original message.
  const delimiter = cls.indexOf('d');
  if (delimiter >= 0) cut(delimiter);
  // Mobile signatures sit anywhere, often between the reply and the quote: drop the line only.
  const kept = cls.map((c, i) => (c === 's' ? -1 : i)).filter((i) => i >= 0);
  lines = kept.map((i) => lines[i]);
  cls = kept.map((i) => cls[i]);
  // An original-message header block ends the reply wherever it is, even on the first line.
  const block = cls.indexOf('H');
  if (block >= 0) cut(block);

  const first = firstNotIn(cls, 'e');
  if (first >= 0 && cls[first] === 'b') {
    const body = firstNotIn(cls, 'be', first);
    if (body < 0 || cls[body] !== 'q') return [];
    const tail = /^[be]*q[bqe]*(t[te]*)$/.exec(cls.slice(first).join(''));
    if (tail) return lines.slice(cls.length - tail[1].length);
    // Nothing but quoted material: the sender wrote nothing of their own.
    if (!cls.includes('t', body)) return [];
    // Otherwise an inline reply under a quote header: the header lines go at the end.
  }

  const noQuoteAfter = textThenHeader(cls, (after) => !after.hasQuote);
  if (noQuoteAfter >= 0) cut(noQuoteAfter);
  // What follows is quotes and headers, then at most a few lines of text ([eqb]*[te]*).
  const shortTextAfter = textThenHeader(
    cls,
    (after) => after.onlyTextAfterQuotes && after.textLines < INLINE_REPLY_LINES
  );
  if (shortTextAfter >= 0) cut(shortTextAfter);

  // A quote that ends the message after some text is the quoted original.
  const lastText = cls.lastIndexOf('t');
  if (lastText >= 0) cut(lastText + 1);
  return lines.filter((_, i) => cls[i] !== 'b');
}

/**
 * A line as the patterns see it: past MAX_PATTERN_LINE characters a line is text (or a quote)
 * whatever it holds, so the patterns only ever run on the first MAX_PATTERN_LINE + 1 of them.
 * Every pattern's work is then bounded per line, and the analysis linear in the message.
 */
const capped = (line: string) =>
  line.length > MAX_PATTERN_LINE ? line.slice(0, MAX_PATTERN_LINE + 1) : line;

/** The sender's own text of a reply body (plain text, any line endings). */
export function trimReply(text: string, options: TrimOptions = {}): string {
  const lines = normalizeText(text.slice(0, MAX_TRIM_CHARS)).split('\n').slice(0, MAX_LINES);
  const cls = classify(lines.map(capped), options.keepSignature ?? false);
  return applyRules(lines, cls).join('\n').trim();
}
