/**
 * Markdown rich text (Strapi's `richtext` field) as email HTML. markdown-it with `html: false`,
 * so raw HTML typed into the entry is shown as text, never interpreted; links are kept only for
 * http, https and mailto (validateLink); images become links, so opening the email loads
 * nothing from anywhere. The source is cut before rendering: the work is bounded by the budget,
 * whatever the entry holds.
 */
import MarkdownIt from 'markdown-it';
import { cutText, defuseReferences, safeUrl } from './escape';
import { STYLE } from './style';
import type { Rich } from './blocks';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });
// markdown-it's own default is 100 levels; an entry's structure is never that deep.
md.set({ maxNesting: 20 });
md.validateLink = (url: string) => safeUrl(url) !== null;

const renderToken = md.renderer.renderToken.bind(md.renderer);
md.renderer.rules.image = (tokens, idx) => {
  const token = tokens[idx]!;
  const url = safeUrl(token.attrGet('src'));
  const label = md.utils.escapeHtml(token.content || 'image');
  return url
    ? `[<a href="${md.utils.escapeHtml(url)}" style="${STYLE.link}">${label}</a>]`
    : `[${label}]`;
};
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('style', STYLE.link);
  return self.renderToken(tokens, idx, options);
};
md.renderer.rules.code_inline = (tokens, idx) =>
  `<code style="${STYLE.code}" class="code">${md.utils.escapeHtml(tokens[idx]!.content)}</code>`;
const fence = (tokens: Array<{ content: string }>, idx: number) =>
  `<pre style="${STYLE.pre}" class="code">${md.utils.escapeHtml(tokens[idx]!.content)}</pre>`;
md.renderer.rules.fence = fence;
md.renderer.rules.code_block = fence;
md.renderer.rules.blockquote_open = () => `<blockquote style="${STYLE.quote}" class="quote">`;
md.renderer.rules.paragraph_open = (tokens, idx, options) =>
  tokens[idx]!.hidden ? '' : `<p style="${STYLE.p}">`;
// Every heading of the entry is an h3, right below the email's own h2 (as in blocks.ts).
md.renderer.rules.heading_open = () => `<h3 style="${STYLE.heading}">`;
md.renderer.rules.heading_close = () => '</h3>';
for (const list of ['bullet_list_open', 'ordered_list_open'] as const) {
  md.renderer.rules[list] = (tokens, idx, options) => {
    tokens[idx]!.attrSet('style', STYLE.list);
    return renderToken(tokens, idx, options);
  };
}

/** The markdown with at most `budget` characters of its source. */
export function renderMarkdown(value: unknown, budget: number): Rich {
  const source = typeof value === 'string' ? value : '';
  const { text, more } = cutText(source, budget);
  const kept = defuseReferences(text);
  // The plain-text part shows the source: markdown is written to be read as text.
  return { html: md.render(kept), text: kept, more };
}
