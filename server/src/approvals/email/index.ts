/**
 * The request email, composed before the request exists. Rendering (markdown, MJML) is the slow
 * part and must not hold the request's transaction open, but the signed reference needs the
 * request's id, which only the transaction's insert gives. So each language's email is
 * rendered once with an unguessable placeholder where the reference goes, and `sign` swaps in
 * each approver's reference inside the transaction (a string replacement). The placeholder and
 * every reference are made of letters, digits and "-", which no encoding along the way
 * (HTML, mailto percent-encoding) changes.
 */
import crypto from 'node:crypto';
import { diffEntries } from './diff';
import { renderFields, type RenderContext } from './fields';
import { emailLanguage, translator } from './i18n';
import { renderRequestEmail, type RenderedEmail, type RequestEmailModel } from './layout';
import type { EntryView } from './load';

export { renderRequestEmail, type RenderedEmail, type RequestEmailModel } from './layout';
export { emailLanguage } from './i18n';

export interface RequestFacts {
  title: string;
  action: string;
  requester: string | null;
  note: string | null;
  policy: 'any' | 'all';
  expiresAt: Date | null;
  link: string | null;
  replyTo: string;
  serverUrl: string;
  /** the reminder before the expiry rather than the request */
  reminder?: boolean;
}

/** The email of one language, with the reference still to be filled in. */
export interface EmailTemplate extends RenderedEmail {
  placeholder: string;
}

export function renderContext(view: EntryView, language: string, serverUrl: string): RenderContext {
  return {
    t: translator(language),
    language: emailLanguage(language),
    serverUrl,
    components: view.components,
    mainFieldOf: (uid) => view.mainFields[uid],
    labelOf: (name) => view.labels[name],
  };
}

/** The model of the email in `language` (what the screenshots script renders too). */
export function requestModel(
  view: EntryView,
  facts: RequestFacts,
  language: string,
  ref: string
): RequestEmailModel {
  const ctx = renderContext(view, language, facts.serverUrl);
  return {
    language: emailLanguage(language),
    title: facts.title,
    typeName: view.schema.displayName,
    action: facts.action,
    requester: facts.requester,
    note: facts.note,
    policy: facts.policy,
    expiresAt: facts.expiresAt,
    link: facts.link,
    fields: renderFields(view.schema, view.draft, ctx),
    changes: view.published ? diffEntries(view.schema, view.published, view.draft, ctx) : null,
    replyTo: facts.replyTo,
    ref,
    reminder: facts.reminder,
  };
}

export async function renderTemplate(
  view: EntryView,
  facts: RequestFacts,
  language: string
): Promise<EmailTemplate> {
  const placeholder = `APR-REF${crypto.randomBytes(12).toString('hex')}`;
  const email = await renderRequestEmail(requestModel(view, facts, language, placeholder));
  return { ...email, placeholder };
}

/** The template with one approver's reference in every place the placeholder holds. */
export function sign(template: EmailTemplate, ref: string): RenderedEmail {
  const fill = (s: string) => s.split(template.placeholder).join(ref);
  return { subject: fill(template.subject), html: fill(template.html), text: fill(template.text) };
}
