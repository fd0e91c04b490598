/**
 * The entry's rich text in the request email (Strapi blocks JSON and markdown), fed hostile
 * input: nothing of it becomes markup, links keep web and mail URLs only, and the work stays
 * bounded for huge and deeply nested values.
 */
import { describe, expect, test } from '@jest/globals';
import { parseDocument } from 'htmlparser2';
import { findAll, getAttributeValue, textContent } from 'domutils';
import type { Element } from 'domhandler';
import { renderBlocks } from '../../server/src/approvals/email/blocks';
import { renderMarkdown } from '../../server/src/approvals/email/markdown';
import { defuseReferences, safeUrl } from '../../server/src/approvals/email/escape';
import { findReference } from '../../server/src/mail/reply/reference';

const text = (t: string, marks: object = {}) => ({ type: 'text', text: t, ...marks });
const para = (...children: object[]) => ({ type: 'paragraph', children });

function parse(html: string) {
  const doc = parseDocument(html);
  const all = findAll(() => true, doc.children) as Element[];
  return {
    doc,
    names: new Set(all.map((e) => e.name)),
    hrefs: all.filter((e) => e.name === 'a').map((e) => getAttributeValue(e, 'href') ?? ''),
    attributes: all.flatMap((e) => Object.keys(e.attribs)),
    text: textContent(doc),
  };
}

const HOSTILE_TEXT = '<script>alert(1)</script><img src=x onerror="alert(2)"><style>*{}</style>';
const HOSTILE_URLS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'java\tscript:alert(1)',
  ' javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'file:///etc/passwd',
  '//evil.example/x',
  '/relative',
];

describe('safe URLs', () => {
  test('only absolute http, https and mailto URLs are kept', () => {
    for (const url of HOSTILE_URLS) expect(safeUrl(url)).toBeNull();
    expect(safeUrl('https://example.org/a b"c')).toBe('https://example.org/a%20b%22c');
    expect(safeUrl('mailto:a@example.org')).toBe('mailto:a@example.org');
    expect(safeUrl('/uploads/x.png', 'https://cms.example.org')).toBe(
      'https://cms.example.org/uploads/x.png'
    );
  });
});

describe('blocks', () => {
  test('paragraphs, headings, lists, quotes, code, links and marks become their elements', () => {
    const out = renderBlocks(
      [
        { type: 'heading', level: 1, children: [text('Head')] },
        para(text('bold', { bold: true }), text('it', { italic: true }), text('c', { code: true })),
        {
          type: 'list',
          format: 'ordered',
          children: [
            { type: 'list-item', children: [text('one')] },
            {
              type: 'list',
              format: 'unordered',
              children: [{ type: 'list-item', children: [text('nested')] }],
            },
          ],
        },
        { type: 'quote', children: [text('quoted')] },
        { type: 'code', children: [text('x < y')] },
        para({ type: 'link', url: 'https://example.org/', children: [text('site')] }),
      ],
      10_000
    );
    const html = parse(out.html);
    for (const name of ['h3', 'strong', 'em', 'code', 'ol', 'ul', 'li', 'blockquote', 'pre', 'a'])
      expect(html.names.has(name)).toBe(true);
    expect(html.hrefs).toEqual(['https://example.org/']);
    expect(html.text).toContain('x < y');
    expect(out.text).toContain('1. one');
    expect(out.text).toContain('   - nested');
    expect(out.text).toContain('site <https://example.org/>');
    expect(out.more).toBe(0);
  });

  test('hostile text stays text and hostile links lose their link', () => {
    const out = renderBlocks(
      [
        para(text(HOSTILE_TEXT)),
        ...HOSTILE_URLS.map((url) => para({ type: 'link', url, children: [text('x')] })),
        {
          type: 'image',
          image: { url: 'https://tracker.example/pixel.gif', alternativeText: '"onerror=x' },
        },
        { type: 'evil', children: [text('<b>unknown</b>')], onclick: 'x' },
      ],
      10_000
    );
    const html = parse(out.html);
    for (const name of ['script', 'img', 'style', 'b']) expect(html.names.has(name)).toBe(false);
    expect(html.attributes.filter((a) => a.startsWith('on'))).toEqual([]);
    // The image is a link to itself, never loaded.
    expect(html.hrefs).toEqual(['https://tracker.example/pixel.gif']);
    expect(html.text).toContain(HOSTILE_TEXT);
    expect(html.text).toContain('<b>unknown</b>');
  });

  test('a long value is cut at the budget and says how much is left', () => {
    const long = 'x'.repeat(10_000);
    const out = renderBlocks([para(text(long)), para(text('tail'))], 1_000);
    expect(parse(out.html).text.length).toBe(1_000);
    expect(out.more).toBe(10_004 - 1_000);
  });

  test('deep nesting and huge values take bounded time and no recursion', () => {
    let deep: object = text('bottom');
    for (let i = 0; i < 200_000; i++)
      deep = { type: i % 2 ? 'link' : 'list', url: 'https://x.example', children: [deep] };
    const wide = Array.from({ length: 200_000 }, (_, i) => para(text(`p${i} `)));
    const started = Date.now();
    const nested = renderBlocks([deep], 1_500);
    const flat = renderBlocks(wide, 1_500);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(nested.html.length).toBeLessThan(20_000);
    expect(flat.html.length).toBeLessThan(100_000);
    expect(flat.more).toBeGreaterThan(0);
  });

  test('non-array and malformed values render as nothing rather than throwing', () => {
    for (const value of [
      null,
      'text',
      42,
      {},
      [null, 1, 'x', [[]]],
      [{ type: 'list', children: 'x' }],
    ])
      expect(() => renderBlocks(value, 100)).not.toThrow();
  });
});

describe('markdown', () => {
  test('raw HTML is text, hostile links are not links, images are links', () => {
    const source = [
      HOSTILE_TEXT,
      '',
      ...HOSTILE_URLS.map((u) => `[x](${u})`),
      '',
      '![pixel](https://tracker.example/p.gif "t") [ok](https://example.org/ok)',
      '',
      '<a href="javascript:alert(1)">raw</a>',
    ].join('\n');
    const out = renderMarkdown(source, 10_000);
    const html = parse(out.html);
    for (const name of ['script', 'img', 'style']) expect(html.names.has(name)).toBe(false);
    expect(html.attributes.filter((a) => a.startsWith('on'))).toEqual([]);
    expect(html.hrefs.sort()).toEqual(['https://example.org/ok', 'https://tracker.example/p.gif']);
    expect(html.text).toContain('<script>alert(1)</script>');
  });

  test('the source is cut before rendering: bounded work on huge or pathological input', () => {
    const shapes = [
      '*'.repeat(500_000),
      '['.repeat(500_000),
      '> '.repeat(250_000),
      `${'- '.repeat(100_000)}x`,
    ];
    const started = Date.now();
    for (const source of shapes) {
      const out = renderMarkdown(source, 1_500);
      expect(out.more).toBe(source.length - out.text.length);
      expect(out.text.length).toBeLessThanOrEqual(1_500);
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('references typed into the entry', () => {
  test('never read as a reference of ours', () => {
    const typed = 'see APR-12-0-abcdefghijklmnop and apr-1-1-aaaaaaaaaaaaaaaa';
    expect(findReference([defuseReferences(typed)])).toBeNull();
    expect(findReference([renderMarkdown(typed, 1_000).text])).toBeNull();
    expect(findReference([renderBlocks([para(text(typed))], 1_000).text])).toBeNull();
  });
});
