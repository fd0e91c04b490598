/**
 * What changed between the published version of the entry and the draft being approved, field
 * by field. Two versions are compared on each field's `compare` string (fields.ts), which
 * leaves out what Strapi renews on every publish (ids of component copies, timestamps); what
 * is shown is the plain text of each side, cut like any value, so a change in a long rich text
 * shows as its before and after text rather than as two documents.
 */
import { cutText } from './escape';
import { isShown, humanize, renderValue, type RenderContext, type Schema } from './fields';

export interface Change {
  name: string;
  label: string;
  /** plain text; '' when the field was empty */
  before: string;
  after: string;
}

/** Characters of each side shown; the whole value is in Strapi. */
export const CHANGE_CHARS = 400;

function side(text: string, ctx: RenderContext): string {
  const { text: kept, more } = cutText(text, CHANGE_CHARS);
  return more ? `${kept} ${ctx.t('cut', { n: more })}` : kept;
}

export function diffEntries(
  schema: Schema,
  published: Record<string, unknown>,
  draft: Record<string, unknown>,
  ctx: RenderContext
): Change[] {
  const changes: Change[] = [];
  for (const [name, attribute] of Object.entries(schema.attributes)) {
    if (!isShown(name, attribute)) continue;
    const before = renderValue(attribute, published[name], ctx);
    const after = renderValue(attribute, draft[name], ctx);
    if (before.compare === after.compare) continue;
    changes.push({
      name,
      label: ctx.labelOf?.(name) || humanize(name),
      before: side(before.text, ctx),
      after: side(after.text, ctx),
    });
  }
  return changes;
}
