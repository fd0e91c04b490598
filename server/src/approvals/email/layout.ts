/**
 * The request email's two bodies from one model: responsive HTML written in MJML, and a plain
 * text alternative with the same content (fields, changes, rules, link and the Ref line).
 *
 * Why MJML rather than React Email: it is plain Node on the server (no React runtime in the
 * server bundle, where Strapi does not otherwise load one), and its output is the long-proven
 * table layout with Outlook conditional comments, so the email holds in Outlook desktop (Word
 * engine), Outlook on the web and mobile, Gmail and Apple Mail. Rendering costs a few
 * milliseconds; it is done once per language, before the request's transaction opens.
 *
 * Everything taken from the entry or the request arrives here already escaped (fields.ts) or is
 * escaped here; MJML only lays it out (its includes are off: `ignoreIncludes` is its default).
 */
import mjml2html from 'mjml';
import { PluginError } from '../../errors';
import { defuseReferences, escapeHtml } from './escape';
import { LIMITS, type FieldView } from './fields';
import type { Change } from './diff';
import { decisionReply, mailtoHref } from './mailto';
import { formatDateTime, translator } from './i18n';
import { COLOR, DARK, FONT, STYLE } from './style';

export interface RequestEmailModel {
  language: string;
  /** the entry's title as the request stores it */
  title: string;
  /** the content type's display name */
  typeName: string;
  action: string;
  requester: string | null;
  note: string | null;
  policy: 'any' | 'all';
  expiresAt: Date | null;
  /** the entry in the admin panel; null when Strapi knows no public admin URL */
  link: string | null;
  fields: FieldView[];
  /** null: the entry has never been published */
  changes: Change[] | null;
  /** the approvals mailbox (Reply-To); '' leaves the buttons out */
  replyTo: string;
  /** the signed reference (or a placeholder replaced per approver, see index.ts) */
  ref: string;
  /** a reminder before the expiry: says so at the top and in the subject */
  reminder?: boolean;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** A title for a subject line: one line, no reference look-alike, bounded. */
function subjectTitle(title: string): string {
  return defuseReferences(title.replace(/[\r\n\t]+/g, ' ').trim()).slice(0, 200);
}

export function subjectOf(
  model: Pick<RequestEmailModel, 'language' | 'title' | 'ref' | 'reminder'>
): string {
  const t = translator(model.language);
  const subject = t('subject', { title: subjectTitle(model.title) });
  return `${model.reminder ? t('reminderSubject', { subject }) : subject} [Ref: ${model.ref}]`;
}

/** The reminder's line, or '' for the request itself. */
function reminderOf(model: RequestEmailModel): string {
  if (!model.reminder) return '';
  const t = translator(model.language);
  const date = model.expiresAt ? formatDateTime(model.expiresAt, model.language) : '';
  return t('reminder', { date });
}

/** Dark colours for clients that apply prefers-color-scheme, and Outlook.com's own marks. */
function darkCss(): string {
  const rules = (prefix: string) =>
    [
      `${prefix}body, ${prefix}.page, ${prefix}.page > div { background-color:${DARK.page} !important; }`,
      `${prefix}.card, ${prefix}.card > table, ${prefix}.card > table > tbody > tr > td { background-color:${DARK.card} !important; }`,
      `${prefix}.t div, ${prefix}.t td, ${prefix}.t p, ${prefix}.t li, ${prefix}.t h1, ${prefix}.t h3, ${prefix}.t h4, ${prefix}.t h5, ${prefix}.t h6 { color:${DARK.text} !important; }`,
      `${prefix}.t a { color:${DARK.accent} !important; }`,
      `${prefix}.t .muted, ${prefix}.t .label, ${prefix}.t .quote { color:${DARK.muted} !important; }`,
      `${prefix}.t .code { background-color:${DARK.codeBg} !important; }`,
      `${prefix}.t .rules { background-color:${DARK.rulesBg} !important; }`,
      `${prefix}.t .before { background-color:${DARK.beforeBg} !important; }`,
      `${prefix}.t .after { background-color:${DARK.afterBg} !important; }`,
      `${prefix}.t .rule-line { border-color:${DARK.border} !important; }`,
    ].join('\n');
  return `@media (prefers-color-scheme: dark) {\n${rules('')}\n}\n${rules('[data-ogsc] ')}`;
}

const LABEL = `margin:0 0 2px 0;font-size:12px;line-height:16px;font-weight:700;text-transform:uppercase;letter-spacing:0.04em;color:${COLOR.muted};`;

function fieldHtml(field: FieldView, empty: string): string {
  const value =
    field.html || `<span style="${STYLE.muted}" class="muted">${escapeHtml(empty)}</span>`;
  return (
    `<tr><td class="rule-line" style="padding:10px 0;border-top:1px solid ${COLOR.border};">` +
    `<div class="label" style="${LABEL}">${escapeHtml(field.label)}</div>` +
    `<div style="font-size:15px;line-height:22px;word-break:break-word;">${value}</div></td></tr>`
  );
}

function changeHtml(change: Change, t: ReturnType<typeof translator>): string {
  const side = (cls: 'before' | 'after', label: string, text: string) =>
    `<tr><td class="${cls}" style="padding:6px 10px;background-color:${cls === 'before' ? COLOR.beforeBg : COLOR.afterBg};border-left:3px solid ${cls === 'before' ? COLOR.reject : COLOR.approve};">` +
    `<span class="label" style="${LABEL}display:block;">${escapeHtml(label)}</span>` +
    `<span style="white-space:pre-wrap;word-break:break-word;">${text ? escapeHtml(text) : `<em class="muted" style="${STYLE.muted}">${escapeHtml(t('empty'))}</em>`}</span></td></tr>`;
  return (
    `<tr><td class="rule-line" style="padding:10px 0 4px 0;border-top:1px solid ${COLOR.border};"><div style="font-weight:700;">${escapeHtml(change.label)}</div></td></tr>` +
    side('before', t('before'), change.before) +
    `<tr><td style="height:4px;line-height:4px;font-size:4px;">&nbsp;</td></tr>` +
    side('after', t('after'), change.after)
  );
}

function rulesOf(model: RequestEmailModel) {
  const t = translator(model.language);
  return [
    t('ruleFirstLine'),
    t('ruleComment'),
    model.policy === 'all' ? t('policyAll') : t('policyAny'),
    ...(model.expiresAt
      ? [t('expires', { date: formatDateTime(model.expiresAt, model.language) })]
      : []),
  ];
}

function introOf(model: RequestEmailModel) {
  const t = translator(model.language);
  return t('intro', {
    who: model.requester || t('someone'),
    // The built-in action in the approver's words; an application's own by its name.
    action: model.action === 'publish' ? t('actionPublish') : model.action,
    title: defuseReferences(model.title),
    type: model.typeName,
  });
}

export function buildMjml(model: RequestEmailModel): string {
  const t = translator(model.language);
  const subject = subjectOf(model);
  const fields = model.fields.slice(0, LIMITS.fields);
  const hiddenFields = model.fields.length - fields.length;
  const section = (inner: string, padding = '0 24px') =>
    `<mj-section background-color="${COLOR.card}" css-class="card" padding="${padding}"><mj-column>${inner}</mj-column></mj-section>`;
  const text = (inner: string, extra = '') => `<mj-text css-class="t" ${extra}>${inner}</mj-text>`;

  const buttons = model.replyTo
    ? `<mj-section background-color="${COLOR.card}" css-class="card" padding="8px 16px 0 16px">` +
      (['APPROVE', 'REJECT'] as const)
        .map((decision) => {
          const href = mailtoHref(model.replyTo, decisionReply(subject, decision));
          const color = decision === 'APPROVE' ? COLOR.approve : COLOR.reject;
          const label = t(decision === 'APPROVE' ? 'approve' : 'reject');
          return `<mj-column width="50%"><mj-button href="${escapeHtml(href)}" background-color="${color}" color="#ffffff" font-size="16px" font-weight="700" inner-padding="14px 20px" border-radius="6px" width="100%" padding="8px" css-class="btn-${decision.toLowerCase()}">${escapeHtml(label)}</mj-button></mj-column>`;
        })
        .join('') +
      `</mj-section>` +
      section(
        text(
          `<p style="margin:0;font-size:13px;line-height:18px;" class="muted">${escapeHtml(t('buttonsHelp'))}</p>`
        ),
        '4px 24px 8px 24px'
      )
    : '';

  const rules =
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>` +
    `<td class="rules" style="background-color:${COLOR.rulesBg};border-left:4px solid ${COLOR.accent};padding:12px 16px;">` +
    `<div style="font-weight:700;font-size:15px;margin-bottom:6px;">${escapeHtml(t('rulesTitle'))}</div>` +
    rulesOf(model)
      .map(
        (r, i) =>
          `<div style="margin:0 0 4px 0;${i === 0 || i === 2 ? 'font-weight:700;' : ''}">${escapeHtml(r)}</div>`
      )
      .join('') +
    `</td></tr></table>`;

  const note = model.note
    ? `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td class="quote" style="${STYLE.quote}"><div class="label" style="${LABEL}">${escapeHtml(t('note'))}</div>${escapeHtml(defuseReferences(model.note)).replace(/\r?\n/g, '<br />')}</td></tr></table>`
    : '';

  const changes =
    model.changes === null
      ? `<p style="margin:0;" class="muted">${escapeHtml(t('firstPublication'))}</p>`
      : model.changes.length === 0
        ? `<p style="margin:0;" class="muted">${escapeHtml(t('noChanges'))}</p>`
        : `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${model.changes.map((c) => changeHtml(c, t)).join('')}</table>`;

  const fieldsHtml =
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">` +
    fields.map((f) => fieldHtml(f, t('empty'))).join('') +
    `</table>` +
    (hiddenFields > 0
      ? `<p class="muted" style="${STYLE.muted}">${escapeHtml(t('fieldsCut', { n: hiddenFields }))}</p>`
      : '');

  const link = model.link
    ? `<p style="margin:0;"><a href="${escapeHtml(model.link)}" style="${STYLE.link}font-weight:700;">${escapeHtml(t('open'))} →</a></p>`
    : '';

  const h2 = (s: string) =>
    `<h2 style="margin:0 0 8px 0;font-size:18px;line-height:24px;">${escapeHtml(s)}</h2>`;

  return `<mjml lang="${escapeHtml(model.language)}" dir="ltr">
<mj-head>
<mj-title>${escapeHtml(subject)}</mj-title>
<mj-preview>${escapeHtml(t('preview', { who: model.requester || t('someone'), title: defuseReferences(model.title) }))}</mj-preview>
<mj-attributes>
<mj-all font-family="${FONT}" />
<mj-text color="${COLOR.text}" font-size="15px" line-height="22px" padding="8px 0" />
</mj-attributes>
<mj-raw><meta name="color-scheme" content="light dark" /><meta name="supported-color-schemes" content="light dark" /></mj-raw>
<mj-style>:root { color-scheme: light dark; supported-color-schemes: light dark; }
${darkCss()}</mj-style>
</mj-head>
<mj-body background-color="${COLOR.page}" css-class="page" width="600px">
<mj-section padding="20px 24px 8px 24px"><mj-column>${text(`<span class="muted" style="${STYLE.muted}font-size:13px;">Strapi · ${escapeHtml(model.typeName)}</span>`)}</mj-column></mj-section>
${section(
  text(
    (model.reminder
      ? `<p style="margin:0 0 12px 0;font-weight:700;color:${COLOR.reject};">${escapeHtml(reminderOf(model))}</p>`
      : '') +
      `<h1 style="margin:0 0 8px 0;font-size:22px;line-height:28px;">${escapeHtml(defuseReferences(model.title))}</h1>` +
      `<p style="margin:0 0 12px 0;">${escapeHtml(introOf(model))}</p>${note}`
  ),
  '20px 24px 0 24px'
)}
${buttons}
${section(text(rules), '8px 24px')}
${section(text(h2(t('changes')) + changes), '16px 24px 0 24px')}
${section(text(h2(t('entry')) + fieldsHtml), '16px 24px 0 24px')}
${section(text(link), '8px 24px 24px 24px')}
<mj-section padding="8px 24px 24px 24px"><mj-column>${text(`<p style="margin:0;font-size:12px;line-height:16px;${STYLE.muted}" class="muted">Ref: ${escapeHtml(model.ref)}</p>`)}</mj-column></mj-section>
</mj-body>
</mjml>`;
}

/** The plain-text alternative: everything the HTML says, in reading order. */
export function buildText(model: RequestEmailModel): string {
  const t = translator(model.language);
  const heading = (s: string) => `${s}\n${'='.repeat(Math.min(s.length, 60))}`;
  const out: string[] = [...(model.reminder ? [reminderOf(model)] : []), introOf(model)];
  if (model.note) out.push(`${t('note')}:\n${defuseReferences(model.note)}`);
  out.push(
    `${heading(t('rulesTitle'))}\n${rulesOf(model)
      .map((r) => `* ${r}`)
      .join('\n')}`
  );
  if (model.changes === null) out.push(`${heading(t('changes'))}\n${t('firstPublication')}`);
  else if (model.changes.length === 0) out.push(`${heading(t('changes'))}\n${t('noChanges')}`);
  else
    out.push(
      `${heading(t('changes'))}\n${model.changes
        .map(
          (c) =>
            `${c.label}:\n  ${t('before')}: ${indent(c.before || t('empty'))}\n  ${t('after')}: ${indent(c.after || t('empty'))}`
        )
        .join('\n\n')}`
    );
  const fields = model.fields.slice(0, LIMITS.fields);
  out.push(
    `${heading(t('entry'))}\n${fields
      .map((f) => {
        const value = f.text || t('empty');
        return value.includes('\n') ? `${f.label}:\n${value}` : `${f.label}: ${value}`;
      })
      .join('\n\n')}` +
      (model.fields.length > fields.length
        ? `\n\n${t('fieldsCut', { n: model.fields.length - fields.length })}`
        : '')
  );
  if (model.link) out.push(`${t('open')}: ${model.link}`);
  out.push(`Ref: ${model.ref}`);
  return `${out.join('\n\n')}\n`;
}

const indent = (s: string) => s.replace(/\n/g, '\n    ');

/** Both bodies and the subject. Throws EEMAIL… never: MJML errors are a bug, reported as ECONFIG. */
export async function renderRequestEmail(model: RequestEmailModel): Promise<RenderedEmail> {
  const result = await mjml2html(buildMjml(model), {
    validationLevel: 'strict',
    fonts: {},
    keepComments: false,
  });
  if (result.errors.length > 0) {
    throw new PluginError(
      'ECONFIG',
      `The approval email could not be laid out: ${result.errors[0]!.formattedMessage}`
    );
  }
  return { subject: subjectOf(model), html: result.html, text: buildText(model) };
}
