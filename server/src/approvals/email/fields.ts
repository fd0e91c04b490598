/**
 * The entry's fields as the approver reads them, from the content type's schema. Pure: the
 * Strapi side (load.ts) hands over the entry (relations, media and components populated one
 * level), the schemas and the relation targets' main fields. Every value comes out as escaped
 * HTML and as plain text, long ones cut with a note, and as a `compare` string that two
 * versions of the entry are diffed on (diff.ts).
 */
import { renderBlocks, blocksText, type Rich } from './blocks';
import { cutText, defuseReferences, escapeHtml, safeUrl } from './escape';
import { renderMarkdown } from './markdown';
import { STYLE } from './style';
import type { Translate } from './i18n';

export type Attribute = {
  type: string;
  private?: boolean;
  target?: string;
  component?: string;
  components?: string[];
  repeatable?: boolean;
  multiple?: boolean;
  enum?: string[];
  pluginOptions?: { 'content-manager'?: { visible?: boolean } };
  [key: string]: unknown;
};

export type Schema = { displayName: string; attributes: Record<string, Attribute> };

export interface RenderContext {
  t: Translate;
  /** the catalogue's language, for numbers and dates */
  language: string;
  /** Strapi's server.absoluteUrl: relative media URLs (/uploads/…) are made absolute with it */
  serverUrl: string;
  /** schemas of the components the entry may hold, by uid */
  components: Record<string, Schema>;
  /** the field that names an entry of a content type (the Content Manager's main field) */
  mainFieldOf(uid: string): string | undefined;
  /** the Content Manager's label of a field of the entry's type, when configured */
  labelOf?(name: string): string | undefined;
}

export interface FieldView {
  name: string;
  label: string;
  html: string;
  text: string;
  /** what the diff compares; '' for an empty value */
  compare: string;
}

/** Characters of text per value before it is cut. */
export const LIMITS = { short: 500, rich: 1500, items: 10, summary: 300, fields: 60 } as const;

/** Fields Strapi manages itself: never part of what an approver approves. */
const SYSTEM = new Set([
  'id',
  'documentId',
  'createdAt',
  'updatedAt',
  'publishedAt',
  'createdBy',
  'updatedBy',
  'locale',
  'localizations',
]);

export function isShown(name: string, attribute: Attribute): boolean {
  if (SYSTEM.has(name) || attribute.private === true || attribute.type === 'password') return false;
  return attribute.pluginOptions?.['content-manager']?.visible !== false;
}

/** "heroImage" / "hero_image" → "Hero image" when the Content Manager has no label. */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

type Value = { html: string; text: string; compare: string };

const EMPTY: Value = { html: '', text: '', compare: '' };

function cutNote(more: number, ctx: RenderContext): Value {
  const note = ctx.t('cut', { n: more });
  return {
    html: `<span style="${STYLE.muted}" class="muted"><em>${escapeHtml(note)}</em></span>`,
    text: note,
    compare: '',
  };
}

function plain(text: string, max: number, ctx: RenderContext): Value {
  const { text: kept, more } = cutText(text, max);
  const safe = defuseReferences(kept);
  const value = {
    html: escapeHtml(safe).replace(/\r?\n/g, '<br>'),
    text: safe,
    compare: text,
  };
  if (!more) return value;
  const note = cutNote(more, ctx);
  return { ...value, html: `${value.html} ${note.html}`, text: `${value.text} ${note.text}` };
}

function rich(out: Rich, compare: string, ctx: RenderContext): Value {
  if (!out.more) return { html: out.html, text: out.text, compare };
  const note = cutNote(out.more, ctx);
  return {
    html: `${out.html}<p style="${STYLE.p}">${note.html}</p>`,
    text: `${out.text}\n${note.text}`,
    compare,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

function formatDate(type: string, value: unknown, language: string): string {
  if (typeof value !== 'string' && !(value instanceof Date)) return String(value);
  if (type === 'time') return String(value).slice(0, 5);
  const date = new Date(value as string);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(language, {
    dateStyle: 'long',
    ...(type === 'datetime' ? { timeStyle: 'short', timeZone: 'UTC' } : { timeZone: 'UTC' }),
  })
    .format(date)
    .concat(type === 'datetime' ? ' UTC' : '');
}

/** The name of a related entry: its main field, else title / name / its first string. */
export function titleOf(entry: unknown, mainField: string | undefined): string {
  if (!isObject(entry)) return '';
  for (const key of [mainField, 'title', 'name', 'label', 'displayName']) {
    if (key && typeof entry[key] === 'string' && entry[key] !== '') return entry[key] as string;
  }
  for (const [key, v] of Object.entries(entry)) {
    if (typeof v === 'string' && v !== '' && !SYSTEM.has(key)) return v;
  }
  return String(entry.documentId ?? entry.id ?? '');
}

/** A list of named items (relations, files): links where safe, "… and N more" past the cap. */
function items(list: Array<{ name: string; url: string | null }>, ctx: RenderContext): Value {
  const shown = list.slice(0, LIMITS.items);
  const html = shown.map(({ name, url }) => {
    const label = escapeHtml(defuseReferences(cutText(name, 120).text));
    return url ? `<a href="${escapeHtml(url)}" style="${STYLE.link}">${label}</a>` : label;
  });
  const text = shown.map(({ name, url }) => {
    const label = defuseReferences(cutText(name, 120).text);
    return url ? `${label} <${url}>` : label;
  });
  const rest = list.length - shown.length;
  if (rest > 0) {
    html.push(escapeHtml(ctx.t('moreItems', { n: rest })));
    text.push(ctx.t('moreItems', { n: rest }));
  }
  return {
    html: html.join(', '),
    text: text.join(', '),
    compare: list.map((i) => `${i.name}\u0000${i.url ?? ''}`).join('\u0001'),
  };
}

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];

/** A component's own scalar fields in one line: "Name: value; Other: value". */
function summary(schema: Schema | undefined, value: unknown, ctx: RenderContext): string {
  if (!isObject(value)) return '';
  const parts: string[] = [];
  for (const [name, attribute] of Object.entries(schema?.attributes ?? {})) {
    if (!isShown(name, attribute)) continue;
    const v = value[name];
    if (v === null || v === undefined || v === '') continue;
    if (['component', 'dynamiczone', 'media', 'relation', 'json'].includes(attribute.type))
      continue;
    const text =
      attribute.type === 'blocks'
        ? blocksText(v)
        : attribute.type === 'boolean'
          ? ctx.t(v ? 'yes' : 'no')
          : String(v);
    parts.push(`${humanize(name)}: ${text.replace(/\s+/g, ' ')}`);
  }
  return parts.join('; ');
}

function components(list: Array<{ uid: string; value: unknown }>, ctx: RenderContext): Value {
  const lines = list.slice(0, LIMITS.items).map(({ uid, value }) => {
    const schema = ctx.components[uid];
    const name = schema?.displayName ?? uid.split('.').pop() ?? uid;
    const { text, more } = cutText(summary(schema, value, ctx), LIMITS.summary);
    return { name, text: more ? `${text} …` : text };
  });
  const rest = list.length - lines.length;
  const html = lines
    .map(
      ({ name, text }) =>
        `<li><strong>${escapeHtml(name)}</strong>${text ? ` — ${escapeHtml(defuseReferences(text))}` : ''}</li>`
    )
    .concat(rest > 0 ? [`<li>${escapeHtml(ctx.t('moreItems', { n: rest }))}</li>`] : []);
  const text = lines
    .map(({ name, text: t }) => `- ${name}${t ? ` — ${defuseReferences(t)}` : ''}`)
    .concat(rest > 0 ? [`- ${ctx.t('moreItems', { n: rest })}`] : []);
  return {
    html: `<ul style="${STYLE.list}">${html.join('')}</ul>`,
    text: text.join('\n'),
    compare: JSON.stringify(list.map(({ uid, value }) => [uid, stripIds(value)])),
  };
}

/** A component value without the ids Strapi gives every copy (they change on each publish). */
function stripIds(value: unknown, depth = 0): unknown {
  if (depth > 8) return null;
  if (Array.isArray(value)) return value.map((v) => stripIds(v, depth + 1));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !SYSTEM.has(k))
      .map(([k, v]) => [k, stripIds(v, depth + 1)])
  );
}

/** One value of the entry, by its attribute's type. */
export function renderValue(attribute: Attribute, value: unknown, ctx: RenderContext): Value {
  if (value === null || value === undefined || value === '') return EMPTY;
  if (Array.isArray(value) && value.length === 0) return EMPTY;
  switch (attribute.type) {
    case 'blocks':
      return rich(renderBlocks(value, LIMITS.rich), blocksText(value), ctx);
    case 'richtext':
      return rich(renderMarkdown(value, LIMITS.rich), String(value), ctx);
    case 'boolean':
      return { ...plain(ctx.t(value ? 'yes' : 'no'), LIMITS.short, ctx), compare: String(!!value) };
    case 'integer':
    case 'biginteger':
    case 'float':
    case 'decimal': {
      const n = Number(value);
      const shown = Number.isFinite(n)
        ? new Intl.NumberFormat(ctx.language).format(n)
        : String(value);
      return { ...plain(shown, LIMITS.short, ctx), compare: String(value) };
    }
    case 'date':
    case 'datetime':
    case 'time':
      return {
        ...plain(formatDate(attribute.type, value, ctx.language), LIMITS.short, ctx),
        compare: String(value instanceof Date ? value.toISOString() : value),
      };
    case 'json': {
      const json = JSON.stringify(value, null, 2) ?? '';
      const out = plain(json, LIMITS.short, ctx);
      return {
        ...out,
        html: `<pre style="${STYLE.pre}" class="code">${escapeHtml(cutText(json, LIMITS.short).text)}</pre>`,
        compare: JSON.stringify(value),
      };
    }
    case 'media':
      return items(
        asList(value)
          .filter(isObject)
          .map((file) => ({
            name: String(file.name ?? file.url ?? ''),
            url: safeUrl(file.url, ctx.serverUrl || undefined),
          })),
        ctx
      );
    case 'relation': {
      const main = attribute.target ? ctx.mainFieldOf(attribute.target) : undefined;
      return items(
        asList(value).map((entry) => ({ name: titleOf(entry, main), url: null })),
        ctx
      );
    }
    case 'component': {
      const list = components(
        asList(value).map((v) => ({ uid: attribute.component ?? '', value: v })),
        ctx
      );
      // One component (not repeatable) reads as a line, not as a list of one.
      return attribute.repeatable ? list : { ...list, text: list.text.replace(/^- /, '') };
    }
    case 'dynamiczone':
      return components(
        asList(value)
          .filter(isObject)
          .map((v) => ({ uid: String(v.__component ?? ''), value: v })),
        ctx
      );
    default:
      // string, text, email, uid, enumeration, and custom fields stored as one of them
      return plain(
        typeof value === 'object' ? JSON.stringify(value) : String(value),
        LIMITS.short,
        ctx
      );
  }
}

/** Every shown field of the entry, in the schema's order. */
export function renderFields(
  schema: Schema,
  entry: Record<string, unknown>,
  ctx: RenderContext
): FieldView[] {
  const out: FieldView[] = [];
  for (const [name, attribute] of Object.entries(schema.attributes)) {
    if (!isShown(name, attribute)) continue;
    const label = ctx.labelOf?.(name) || humanize(name);
    try {
      out.push({ name, label, ...renderValue(attribute, entry[name], ctx) });
    } catch {
      // A value of a shape no version of Strapi gives (a custom field's own storage): the
      // request still goes out, and the approver is sent to Strapi for that field.
      out.push({
        name,
        label,
        ...plain(ctx.t('unavailable'), 200, ctx),
        compare: '?',
      });
    }
  }
  return out;
}
