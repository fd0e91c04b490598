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

/**
 * What the request itself says, as the email model takes it; the rest of the model (the
 * language, the entry's type, fields and changes, the reference) is worked out here.
 */
export type RequestFacts = Pick<
  RequestEmailModel,
  | 'title'
  | 'action'
  | 'requester'
  | 'note'
  | 'policy'
  | 'expiresAt'
  | 'link'
  | 'replyTo'
  | 'reminder'
> & { serverUrl: string };

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
  const { serverUrl, ...said } = facts;
  const ctx = renderContext(view, language, serverUrl);
  return {
    ...said,
    language: emailLanguage(language),
    typeName: view.schema.displayName,
    fields: renderFields(view.schema, view.draft, ctx),
    changes: view.published ? diffEntries(view.schema, view.published, view.draft, ctx) : null,
    ref,
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
