/**
 * Colours and inline styles of the request email. Inline, because Gmail and Outlook drop or
 * rewrite much of a <style> block; the dark variants are in layout.ts's <style> (clients that
 * honour prefers-color-scheme: Apple Mail, Outlook for Mac/iOS/Android, Outlook.com via its
 * [data-ogsc] attributes). The light colours are chosen to stay readable when a client inverts
 * them itself (Gmail apps, Outlook desktop): mid-saturation accents, no light-grey text.
 */
export const COLOR = {
  page: '#f3f4f6',
  card: '#ffffff',
  text: '#1f2328',
  muted: '#57606a',
  border: '#d0d7de',
  accent: '#0550ae',
  rulesBg: '#eef4ff',
  approve: '#1a7f37',
  reject: '#cf222e',
  beforeBg: '#fff0f0',
  afterBg: '#eefbf1',
  codeBg: '#f6f8fa',
} as const;

export const DARK = {
  page: '#0d1117',
  card: '#161b22',
  text: '#e6edf3',
  muted: '#9da7b3',
  border: '#30363d',
  accent: '#79c0ff',
  rulesBg: '#10243e',
  beforeBg: '#3a1518',
  afterBg: '#12301b',
  codeBg: '#0d1117',
} as const;

export const FONT =
  "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace";

export const STYLE = {
  p: 'margin:0 0 10px 0;',
  heading: 'margin:12px 0 6px 0;font-size:16px;line-height:22px;font-weight:700;',
  list: 'margin:0 0 10px 0;padding-left:22px;',
  quote: `margin:0 0 10px 0;padding:4px 0 4px 12px;border-left:3px solid ${COLOR.border};color:${COLOR.muted};`,
  code: `font-family:${MONO};font-size:13px;background-color:${COLOR.codeBg};padding:1px 4px;border-radius:3px;`,
  pre: `font-family:${MONO};font-size:13px;line-height:18px;background-color:${COLOR.codeBg};padding:8px 10px;margin:0 0 10px 0;white-space:pre-wrap;word-break:break-word;border-radius:4px;`,
  link: `color:${COLOR.accent};text-decoration:underline;`,
  muted: `color:${COLOR.muted};`,
} as const;
