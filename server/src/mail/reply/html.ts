/**
 * HTML-only replies: the quote containers that mail clients mark up are dropped before the
 * HTML becomes text, because the markup says more than the text will (a Gmail quote is a
 * div.gmail_quote; as text it is only an "On … wrote:" line, in the sender's language). The
 * text then goes through the same trimming as a plain-text reply.
 */
/// <reference path="./html-to-text.d.ts" />
import { compile, type HtmlToTextOptions } from 'html-to-text';

/** Converting is the costly step: beyond this the HTML is cut (a reply's words come first). */
export const MAX_HTML_CHARS = 512 * 1024;
/** htmlparser2 slows down sharply on deep nesting (50k levels: seconds); real mail nests < 100. */
const MAX_NESTING = 1000;
const VOID_ELEMENTS = new Set(
  'area base br col embed hr img input link meta param source track wbr'.split(' ')
);
const TAG = /<(\/?)([A-Za-z][\w:-]*)[^<>]*?(\/?)>/g;

/** Containers that hold a quote, a forwarded message or a client signature, and nothing else. */
const QUOTE_CONTAINERS = [
  'blockquote',
  '.gmail_quote',
  '[class*=gmail_quote]',
  '.gmail_extra',
  '.gmail_signature',
  '[data-smartmail=gmail_signature]',
  '.moz-cite-prefix',
  '.moz-signature',
  '.moz-forward-container',
  '#AppleMailSignature',
  '[class*=yahoo_quoted]',
  '[id*=yahoo_quoted]',
  '.protonmail_quote',
  '.protonmail_signature_block',
  '[data-marker=__QUOTED_TEXT__]',
  '[data-marker=__SIG_PRE__]',
  '[data-marker=__SIG_POST__]',
  '#Signature',
  '#ms-outlook-mobile-signature',
];

/**
 * Elements after which everything is the original message (Outlook web and desktop, the
 * Exchange reply section). They are replaced by a marker and the text is cut there.
 */
const CUT_POINTS = [
  '#divRplyFwdMsg',
  '#appendonsend',
  '[id*=messageReplySection]',
  '.OutlookMessageHeader',
];

const CUT_MARKER = '\uE000REPLY-CUT\uE000';

const baseOptions: HtmlToTextOptions = {
  wordwrap: false,
  // Deep nesting is a cheap way to exhaust the stack of a recursive walker.
  limits: { maxDepth: 200, maxInputLength: MAX_HTML_CHARS, ellipsis: '' },
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    // Outlook writes every line as a <p class=MsoNormal> (no margin) and a blank line as
    // <p>&nbsp;</p>; one line per paragraph matches what the sender saw.
    { selector: 'p', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'img', format: 'skip' },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
      selector,
      options: { uppercase: false },
    })),
  ],
};

const replyOptions: HtmlToTextOptions = {
  ...baseOptions,
  selectors: [
    ...(baseOptions.selectors ?? []),
    ...QUOTE_CONTAINERS.map((selector) => ({ selector, format: 'skip' })),
    ...CUT_POINTS.map((selector) => ({ selector, format: 'cutHere' })),
  ],
  formatters: {
    cutHere: (_elem, _walk, builder) => {
      builder.addInline(CUT_MARKER);
    },
  },
};

// Compiled once: selector matching is set up per options object, not per message.
const convertReply = compile(replyOptions);
const convertFull = compile(baseOptions);

/** The HTML up to where it first nests deeper than MAX_NESTING (one linear scan). */
function cutDeepNesting(html: string): string {
  let depth = 0;
  for (const tag of html.matchAll(TAG)) {
    if (tag[1]) depth = Math.max(0, depth - 1);
    else if (!tag[3] && !VOID_ELEMENTS.has(tag[2].toLowerCase()) && ++depth > MAX_NESTING) {
      return html.slice(0, tag.index);
    }
  }
  return html;
}

function bounded(html: string): string {
  // A marker smuggled into the input could only shorten the reply, but it is not ours to keep.
  return cutDeepNesting(html.slice(0, MAX_HTML_CHARS)).replaceAll(CUT_MARKER, '');
}

/** The reply part of an HTML body as text: quote containers dropped, cut at the original. */
export function htmlReplyText(html: string): string {
  const text = convertReply(bounded(html));
  const cut = text.indexOf(CUT_MARKER);
  // Nested divs, <br>s and &nbsp; paragraphs stack up blank lines the sender never saw as such.
  return (cut >= 0 ? text.slice(0, cut) : text)
    .replace(/^[^\S\n]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n');
}

/** The whole HTML body as text, quotes included (where a reference token may be found). */
export function htmlFullText(html: string): string {
  return convertFull(bounded(html));
}
