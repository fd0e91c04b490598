/**
 * Reply trimming against real replies from many mail clients (shared corpora, never copied
 * into the repo): mailgun/talon's standard replies, each also turned into an APPROVE and a
 * REJECT reply, and discourse/email_reply_trimmer's emails/trimmed pairs. When the corpora
 * are missing, these cases are skipped with the path that was looked for.
 */
import { describe, expect, test } from '@jest/globals';
import { diagnostic } from '../helpers/diagnostic';
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { analyzeReply, trimReply } from '../../server/src/mail/reply';

const CORPORA = path.resolve(__dirname, '..', '..', '..', 'shared', 'corpora');
const TALON = path.join(CORPORA, 'talon', 'standard_replies');
const TRIMMER = path.join(CORPORA, 'email_reply_trimmer');
const missing = (dir: string) =>
  fs.existsSync(dir) ? false : `corpus not found at ${dir} (see shared/corpora/README.md)`;
// A skipped corpus says where it was looked for, in the test log.
for (const dir of [TALON, TRIMMER]) if (missing(dir)) diagnostic(`skipped: ${missing(dir)}`);

const squash = (text: string) => text.replace(/\s/g, '');

/** A text/html-only message around one of talon's HTML fragments. */
function htmlMessage(html: string): Buffer {
  const body = Buffer.from(html).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    'From: Alex <alex@example.test>\r\nTo: a@example.test\r\nSubject: Re: Test message\r\n' +
      'MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n' +
      `Content-Transfer-Encoding: base64\r\n\r\n${body}\r\n`
  );
}

// --- a small MIME editor: replaces text in the text parts, keeping each part's encoding ---

const headerValue = (head: string, name: string) =>
  new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im')
    .exec(head)?.[1]
    .replace(/\r?\n[ \t]+/g, ' ') ?? '';

function decodeQp(body: string): string {
  return body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

function encodeQp(bytes: string): string {
  return bytes.replace(
    /[=\x80-\xff]/g,
    (c) => '=' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')
  );
}

/** Rewrites one MIME entity given as a byte string (latin1), recursing into multiparts. */
function rewriteEntity(entity: string, edit: (text: string, type: string) => string): string {
  const split = /\r?\n\r?\n/.exec(entity);
  if (!split) return entity;
  const head = entity.slice(0, split.index + split[0].length);
  const body = entity.slice(split.index + split[0].length);
  const type = headerValue(head, 'Content-Type').toLowerCase();
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headerValue(head, 'Content-Type'))?.[1];
  if (type.startsWith('multipart/') && boundary) {
    const parts = body.split(`--${boundary}`);
    return (
      head +
      parts
        .map((p, i) => (i === 0 || p.startsWith('--') ? p : rewriteEntity(p, edit)))
        .join(`--${boundary}`)
    );
  }
  if (!/^\s*(text\/(plain|html))?\s*(;|$)/.test(type)) return entity;
  const kind = type.includes('html') ? 'html' : 'plain';
  const encoding = headerValue(head, 'Content-Transfer-Encoding').trim().toLowerCase();
  if (encoding === 'base64') {
    const decoded = Buffer.from(body, 'base64').toString('latin1');
    const encoded = Buffer.from(edit(decoded, kind), 'latin1').toString('base64');
    return head + encoded.replace(/.{76}/g, '$&\r\n') + '\r\n';
  }
  if (encoding === 'quoted-printable') return head + encodeQp(edit(decodeQp(body), kind));
  return head + edit(body, kind);
}

/** The raw message with the first `needle` of each text part replaced. */
function withReply(raw: Buffer, needle: string, plain: string, html: string): Buffer {
  const edited = rewriteEntity(raw.toString('latin1'), (text, kind) =>
    text.replace(needle, kind === 'html' ? html : plain)
  );
  return Buffer.from(edited, 'latin1');
}

const VARIANTS = [
  {
    plain: 'APPROVE\n\nLooks good',
    html: 'APPROVE<br><br>Looks good',
    decision: 'approve',
    comment: 'Looks good',
  },
  {
    plain: 'REJECT typo in title',
    html: 'REJECT typo in title',
    decision: 'reject',
    comment: 'typo in title',
  },
] as const;

(missing(TALON) ? describe.skip : describe)('talon standard replies', () => {
  const expected: Record<string, string> = missing(TALON)
    ? {}
    : JSON.parse(fs.readFileSync(path.join(TALON, 'expected.json'), 'utf8'));
  const emls = Object.keys(expected).filter((f) => f.endsWith('.eml'));
  const htmls = Object.keys(expected).filter((f) => f.endsWith('.html'));

  for (const file of emls) {
    const raw = () => fs.readFileSync(path.join(TALON, file));

    test(`${file}: without signatures the reply is talon's reply text`, async () => {
      // talon keeps "-- " signatures and "Sent from my iPhone" (iphone, sparrow); we drop them.
      const parsed = await simpleParser(raw());
      expect(trimReply(parsed.text ?? '', { keepSignature: true })).toBe(expected[file].trim());
      const analysis = await analyzeReply(raw());
      expect(analysis.text).toBe('Hello');
      expect(analysis.kind).toBe('reply');
      expect(analysis.decision).toBe(null);
      expect(analysis.reason).toBe('no-decision-line');
    });

    for (const v of VARIANTS) {
      test(`${file}: replying ${v.decision.toUpperCase()} decides ${v.decision}`, async () => {
        const analysis = await analyzeReply(withReply(raw(), 'Hello', v.plain, v.html));
        expect(analysis.decision).toBe(v.decision);
        expect(analysis.comment).toBe(v.comment);
      });
    }
  }

  for (const file of htmls) {
    const html = () => fs.readFileSync(path.join(TALON, file), 'utf8');

    test(`${file}: the HTML reply reduces to talon's text (whitespace ignored)`, async () => {
      const analysis = await analyzeReply(htmlMessage(html()));
      expect(squash(analysis.text)).toBe(squash(expected[file]));
    });

    for (const v of VARIANTS) {
      test(`${file}: replying ${v.decision.toUpperCase()} decides ${v.decision}`, async () => {
        const edited = html().replace('Hi. I am fine.', v.html);
        const analysis = await analyzeReply(htmlMessage(edited));
        expect(analysis.decision).toBe(v.decision);
        expect(squash(analysis.comment)).toBe(squash(`${v.comment}\nThanks,\nAlex`));
      });
    }
  }
});

/**
 * Where we differ from upstream on purpose. Upstream keeps unquoted text that follows a quote
 * header or a forwarded-message header at the top of a message; for approvals that text is
 * someone else's (a forward, or a client that does not mark quotes), so we keep nothing.
 */
const DELIBERATE_GAPS: Record<string, string> = {
  'forwarded_message.txt': 'forwarded content is never the sender’s own words',
  'embedded_email_17.txt': 'unquoted text under a leading "On … wrote:" is treated as the original',
  'embedded_email_18.txt': 'unquoted text under a leading "On … wrote:" is treated as the original',
};

(missing(TRIMMER) ? describe.skip : describe)('discourse email_reply_trimmer corpus', () => {
  const files = missing(TRIMMER)
    ? []
    : fs
        .readdirSync(path.join(TRIMMER, 'emails'))
        .filter((f) => f.endsWith('.txt'))
        .sort();
  const read = (folder: string, file: string) =>
    fs.readFileSync(path.join(TRIMMER, folder, file), 'utf8');

  for (const file of files) {
    const gap = DELIBERATE_GAPS[file];
    const name = gap ? `${file}: keeps nothing (deliberate: ${gap})` : `${file}: trims as upstream`;
    test(name, () => {
      const trimmed = trimReply(read('emails', file));
      expect(trimmed).toBe(gap ? '' : read('trimmed', file).trim());
    });
  }

  test('reports the share of upstream expectations met', () => {
    const met = files.filter((f) => trimReply(read('emails', f)) === read('trimmed', f).trim());
    diagnostic(`email_reply_trimmer: ${met.length}/${files.length} trimmed as upstream`);
    expect(met.length / files.length >= 0.9).toBeTruthy();
    expect(files.filter((f) => !met.includes(f))).toStrictEqual(
      Object.keys(DELIBERATE_GAPS).sort()
    );
  });
});
