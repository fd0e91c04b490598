/**
 * Strapi 5 "blocks" rich text (the JSON of the Blocks editor) as email HTML and plain text.
 * The JSON comes from the entry, so it is treated as hostile: every text is escaped, a node of
 * an unknown type is read for its text only, links keep http/https/mailto URLs only, images
 * become links (nothing is loaded from a remote server when the email is opened), and the work
 * is linear in the size of the value: each node is visited once, nesting deeper than
 * MAX_DEPTH is flattened to its text by an explicit stack (no recursion on hostile depth), and
 * at most MAX_NODES nodes are looked at.
 */
import { defuseReferences, escapeHtml, safeUrl } from './escape';
import { STYLE } from './style';

export interface Rich {
  html: string;
  text: string;
  /** characters of text left out because the budget ran out */
  more: number;
}

type Node = Record<string, unknown>;

const MAX_DEPTH = 12;
const MAX_NODES = 100_000;

const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);
const childrenOf = (n: Node): unknown[] => (Array.isArray(n.children) ? n.children : []);

/** Every text of a subtree, by an explicit stack: safe at any depth. */
function flatText(root: unknown, limit: { nodes: number }): string {
  const out: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0 && limit.nodes > 0) {
    const n = stack.pop();
    limit.nodes -= 1;
    if (Array.isArray(n)) {
      for (let i = n.length - 1; i >= 0; i--) stack.push(n[i]);
    } else if (isNode(n)) {
      if (typeof n.text === 'string') out.push(n.text);
      const kids = childrenOf(n);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
  }
  return out.join(' ');
}

/** How many characters of text a value holds (what "N more characters" counts). */
function textLength(root: unknown): number {
  let total = 0;
  let nodes = MAX_NODES;
  const stack: unknown[] = [root];
  while (stack.length > 0 && nodes-- > 0) {
    const n = stack.pop();
    const kids = Array.isArray(n) ? n : isNode(n) ? childrenOf(n) : [];
    if (isNode(n) && typeof n.text === 'string') total += n.text.length;
    // One by one: spreading a huge array into push() overflows the call stack.
    for (let i = 0; i < kids.length && i < MAX_NODES; i++) stack.push(kids[i]);
  }
  return total;
}

class Writer {
  html: string[] = [];
  text: string[] = [];
  used = 0;
  limit = { nodes: MAX_NODES };
  constructor(readonly budget: number) {}

  get full() {
    return this.used >= this.budget;
  }

  /** Takes as much of `s` as the budget allows; returns it (already defused). */
  take(s: string): string {
    const room = this.budget - this.used;
    const kept = s.length > room ? s.slice(0, Math.max(0, room)) : s;
    this.used += kept.length;
    return defuseReferences(kept);
  }
}

const MARKS: Array<[string, string, string]> = [
  ['bold', '<strong>', '</strong>'],
  ['italic', '<em>', '</em>'],
  ['underline', '<u>', '</u>'],
  ['strikethrough', '<s>', '</s>'],
];

/** Inline content: text runs with marks, links; anything else by its text. */
function inline(nodes: unknown[], w: Writer, depth: number): { html: string; text: string } {
  let html = '';
  let text = '';
  for (const n of nodes) {
    if (w.full || w.limit.nodes <= 0) break;
    w.limit.nodes -= 1;
    if (!isNode(n)) continue;
    if (n.type === 'text' || (n.type === undefined && typeof n.text === 'string')) {
      const kept = w.take(String(n.text ?? ''));
      let h = escapeHtml(kept);
      if (n.code) h = `<code style="${STYLE.code}" class="code">${h}</code>`;
      for (const [mark, open, close] of MARKS) if (n[mark]) h = `${open}${h}${close}`;
      html += h;
      text += kept;
    } else if (n.type === 'link' && depth < MAX_DEPTH) {
      const inner = inline(childrenOf(n), w, depth + 1);
      const url = safeUrl(n.url);
      html += url
        ? `<a href="${escapeHtml(url)}" style="${STYLE.link}">${inner.html}</a>`
        : inner.html;
      text += url && url !== inner.text ? `${inner.text} <${url}>` : inner.text;
    } else {
      const kept = w.take(flatText(childrenOf(n), w.limit));
      html += escapeHtml(kept);
      text += kept;
    }
  }
  return { html, text };
}

/** One block node; `prefix` indents the text of nested lists and quotes. */
function block(n: Node, w: Writer, depth: number, prefix: string): void {
  if (w.full || w.limit.nodes <= 0) return;
  w.limit.nodes -= 1;
  if (depth >= MAX_DEPTH) {
    const kept = w.take(flatText(n, w.limit));
    w.html.push(`<p style="${STYLE.p}">${escapeHtml(kept)}</p>`);
    w.text.push(`${prefix}${kept}`);
    return;
  }
  switch (n.type) {
    case 'heading': {
      const { html, text } = inline(childrenOf(n), w, depth + 1);
      // Every heading of the entry is an h3, right below the email's own h2 ("The entry"): a
      // screen reader's outline never skips a level, whatever levels the entry uses.
      w.html.push(`<h3 style="${STYLE.heading}">${html}</h3>`);
      w.text.push(`${prefix}${text}`);
      return;
    }
    case 'list': {
      const ordered = n.format === 'ordered';
      const tag = ordered ? 'ol' : 'ul';
      w.html.push(`<${tag} style="${STYLE.list}">`);
      // The items of a list are lines of one text block, nested lists included.
      const lines: string[] = [];
      const outer = w.text;
      let index = 0;
      for (const item of childrenOf(n)) {
        if (w.full) break;
        if (!isNode(item)) continue;
        if (item.type === 'list') {
          // Strapi nests a list directly in a list for indented items.
          w.html.push('<li style="list-style:none">');
          w.text = lines;
          block(item, w, depth + 1, `${prefix}   `);
          w.text = outer;
          w.html.push('</li>');
          continue;
        }
        index += 1;
        const { html, text } = inline(childrenOf(item), w, depth + 1);
        w.html.push(`<li>${html}</li>`);
        lines.push(`${prefix}${ordered ? `${index}.` : '-'} ${text}`);
      }
      w.html.push(`</${tag}>`);
      w.text.push(lines.join('\n'));
      return;
    }
    case 'quote': {
      const { html, text } = inline(childrenOf(n), w, depth + 1);
      w.html.push(`<blockquote style="${STYLE.quote}" class="quote">${html}</blockquote>`);
      w.text.push(`${prefix}> ${text}`);
      return;
    }
    case 'code': {
      const kept = w.take(flatText(childrenOf(n), w.limit));
      w.html.push(`<pre style="${STYLE.pre}" class="code">${escapeHtml(kept)}</pre>`);
      w.text.push(
        kept
          .split('\n')
          .map((l) => `${prefix}    ${l}`)
          .join('\n')
      );
      return;
    }
    case 'image': {
      const image = isNode(n.image) ? n.image : {};
      const url = safeUrl(image.url);
      const alt = w.take(String(image.alternativeText ?? image.name ?? ''));
      const label = escapeHtml(alt || 'image');
      w.html.push(
        `<p style="${STYLE.p}">[${url ? `<a href="${escapeHtml(url)}" style="${STYLE.link}">${label}</a>` : label}]</p>`
      );
      w.text.push(`${prefix}[${alt || 'image'}${url ? ` <${url}>` : ''}]`);
      return;
    }
    default: {
      // paragraph, and any type a later Strapi adds: its inline content.
      const { html, text } = inline(childrenOf(n), w, depth + 1);
      if (text.trim() === '' && html === '') return;
      w.html.push(`<p style="${STYLE.p}">${html}</p>`);
      w.text.push(`${prefix}${text}`);
    }
  }
}

/** A blocks value (an array of nodes) with at most `budget` characters of its text. */
export function renderBlocks(value: unknown, budget: number): Rich {
  const w = new Writer(budget);
  const nodes = Array.isArray(value) ? value : [];
  for (const n of nodes) {
    if (w.full || w.limit.nodes <= 0) break;
    if (isNode(n)) block(n, w, 0, '');
  }
  return {
    html: w.html.join(''),
    text: w.text.join('\n\n'),
    more: w.full ? Math.max(0, textLength(nodes) - w.used) : 0,
  };
}

/** The plain text of a blocks value, for comparing two versions. */
export function blocksText(value: unknown): string {
  return flatText(Array.isArray(value) ? value : [], { nodes: MAX_NODES });
}
