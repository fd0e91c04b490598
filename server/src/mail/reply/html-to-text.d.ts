/**
 * html-to-text ships no type declarations and @types/html-to-text lags behind v10; this
 * declares only the part the reply analyser uses.
 */
declare module 'html-to-text' {
  export interface BlockTextBuilder {
    addInline(text: string): void;
  }
  export type FormatCallback = (
    elem: unknown,
    walk: (nodes: unknown[], builder: BlockTextBuilder) => void,
    builder: BlockTextBuilder,
    formatOptions: Record<string, unknown>
  ) => void;
  export interface SelectorDefinition {
    selector: string;
    format?: string;
    options?: Record<string, unknown>;
  }
  export interface HtmlToTextOptions {
    wordwrap?: number | false | null;
    limits?: {
      maxDepth?: number;
      maxInputLength?: number;
      maxChildNodes?: number;
      ellipsis?: string;
    };
    selectors?: SelectorDefinition[];
    formatters?: Record<string, FormatCallback>;
  }
  export function convert(html: string, options?: HtmlToTextOptions): string;
  export function compile(options?: HtmlToTextOptions): (html: string) => string;
}
