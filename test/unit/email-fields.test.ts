/**
 * The entry's fields in the request email, from the schema: what is shown and how, what is
 * never shown, long values cut, and the field-by-field diff against the published version.
 */
import { describe, expect, test } from '@jest/globals';
import { parseDocument } from 'htmlparser2';
import { findAll, getAttributeValue, textContent } from 'domutils';
import type { Element } from 'domhandler';
import {
  LIMITS,
  renderFields,
  renderValue,
  titleOf,
  type RenderContext,
  type Schema,
} from '../../server/src/approvals/email/fields';
import { diffEntries } from '../../server/src/approvals/email/diff';
import { translator } from '../../server/src/approvals/email/i18n';
import { SAMPLE_VIEW } from '../../scripts/email-sample';

const ctx = (language = 'en'): RenderContext => ({
  t: translator(language),
  language,
  serverUrl: 'https://cms.example.org',
  components: SAMPLE_VIEW.components,
  mainFieldOf: (uid) => SAMPLE_VIEW.mainFields[uid],
});

const hrefs = (html: string) =>
  findAll((e: Element) => e.name === 'a', parseDocument(html).children).map(
    (a) => getAttributeValue(a, 'href') ?? ''
  );
const textOf = (html: string) => textContent(parseDocument(html));

describe('fields of the entry', () => {
  const fields = renderFields(SAMPLE_VIEW.schema, SAMPLE_VIEW.draft, ctx());
  const byName = new Map(fields.map((f) => [f.name, f]));

  test('private, password and system fields are never shown', () => {
    expect([...byName.keys()]).not.toEqual(expect.arrayContaining(['internalPassword']));
    for (const hidden of ['internalPassword', 'reviewerNotes', 'documentId', 'id', 'createdAt'])
      expect(byName.has(hidden)).toBe(false);
    const all = fields.map((f) => `${f.html}${f.text}`).join('');
    expect(all).not.toContain('never shown');
  });

  test('every field is in the schema order, labelled', () => {
    expect(fields.map((f) => f.name)).toEqual([
      'title',
      'slug',
      'summary',
      'body',
      'notes',
      'cover',
      'attachments',
      'category',
      'seo',
      'publishOn',
      'featured',
    ]);
    expect(byName.get('publishOn')!.label).toBe('Publish on');
  });

  test('media are file names linking to absolute URLs; relations are their titles', () => {
    expect(hrefs(byName.get('cover')!.html)).toEqual([
      'https://cms.example.org/uploads/spring_hours_1a2b3c.jpg',
    ]);
    expect(textOf(byName.get('cover')!.html)).toBe('spring-hours.jpg');
    expect(hrefs(byName.get('attachments')!.html)).toHaveLength(2);
    expect(byName.get('category')!.text).toBe('News');
    expect(hrefs(byName.get('category')!.html)).toEqual([]);
  });

  test('components are summarised with their display name and fields', () => {
    expect(textOf(byName.get('seo')!.html)).toContain('SEO');
    expect(byName.get('seo')!.text).toContain('Meta title: Spring opening hours');
  });

  test('booleans, numbers and dates in the approver’s language', () => {
    expect(renderValue({ type: 'boolean' }, true, ctx('fr')).text).toBe('Oui');
    expect(renderValue({ type: 'decimal' }, 1234.5, ctx('en')).text).toBe('1,234.5');
    expect(renderValue({ type: 'date' }, '2026-04-01', ctx('en')).text).toBe('April 1, 2026');
    expect(renderValue({ type: 'date' }, '2026-04-01', ctx('fr')).text).toBe('1 avril 2026');
  });

  test('a long value is cut with the number of characters left out', () => {
    const long = 'word '.repeat(1_000);
    const out = renderValue({ type: 'text' }, long, ctx());
    expect(out.text.length).toBeLessThan(LIMITS.short + 100);
    expect(out.text).toContain(String(long.trimEnd().length - LIMITS.short).slice(0, 1));
    expect(out.compare).toBe(long);
  });

  test('hostile strings stay text; a relation or file with a hostile URL is not a link', () => {
    const hostile = '<img src=x onerror=alert(1)>"\'';
    const out = renderValue({ type: 'string' }, hostile, ctx());
    expect(findAll(() => true, parseDocument(out.html).children)).toHaveLength(0);
    expect(textOf(out.html)).toBe(hostile);
    const media = renderValue(
      { type: 'media', multiple: true },
      [{ name: hostile, url: 'javascript:alert(1)' }],
      ctx()
    );
    expect(hrefs(media.html)).toEqual([]);
    expect(textOf(media.html)).toBe(hostile);
  });

  test('many relations: the first ones, then how many more', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ name: `Tag ${i}` }));
    const out = renderValue({ type: 'relation', target: 'api::tag.tag' }, many, ctx());
    expect(out.text.split(', ')).toHaveLength(LIMITS.items + 1);
    expect(out.text).toContain('15');
  });

  test('a value that cannot be rendered says so and does not stop the email', () => {
    const schema: Schema = {
      displayName: 'X',
      attributes: { data: { type: 'json' }, title: { type: 'string' } },
    };
    const out = renderFields(schema, { data: { big: BigInt(1) }, title: 'Still here' }, ctx());
    expect(out.map((f) => f.name)).toEqual(['data', 'title']);
    expect(out[0]!.text).toBe(translator('en')('unavailable'));
    expect(out[1]!.text).toBe('Still here');
  });

  test('the main field names a relation, else title, name or the first string', () => {
    expect(titleOf({ code: 'X1', label: 'Label' }, 'code')).toBe('X1');
    expect(titleOf({ title: 'T', name: 'N' }, undefined)).toBe('T');
    expect(titleOf({ documentId: 'd1', slug: 's' }, undefined)).toBe('s');
  });
});

describe('what changed', () => {
  const schema: Schema = SAMPLE_VIEW.schema;

  test('only the fields that differ, before and after', () => {
    const changes = diffEntries(schema, SAMPLE_VIEW.published!, SAMPLE_VIEW.draft, ctx());
    const names = changes.map((c) => c.name);
    expect(names).toEqual([
      'title',
      'summary',
      'body',
      'notes',
      'cover',
      'attachments',
      'featured',
    ]);
    const title = changes.find((c) => c.name === 'title')!;
    expect(title).toMatchObject({ before: 'Winter opening hours', after: 'Spring opening hours' });
    // An empty side is '' (the layout says "empty" in the approver's language).
    expect(changes.find((c) => c.name === 'body')!.before).toBe('');
  });

  test('component ids that a publish renews are not a change; private fields never are', () => {
    const changes = diffEntries(
      schema,
      {
        ...SAMPLE_VIEW.draft,
        seo: {
          id: 99,
          metaTitle: 'Spring opening hours',
          metaDescription: 'The library opens earlier from April.',
        },
        reviewerNotes: 'other',
      },
      SAMPLE_VIEW.draft,
      ctx()
    );
    expect(changes).toEqual([]);
  });
});
