/**
 * Every reason the inbox can record has words on the Approvals page, in every language:
 * a new code in server/src/approvals/reasons.ts must not show up as a raw code.
 */
import { expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { VERDICT_REASONS } from '../../server/src/approvals/reasons';

const ADMIN_SRC = path.resolve(__dirname, '..', '..', 'admin', 'src');
const source = fs.readFileSync(path.join(ADMIN_SRC, 'hooks', 'useApprovalTexts.ts'), 'utf8');
const load = (locale: string): Record<string, string> =>
  JSON.parse(fs.readFileSync(path.join(ADMIN_SRC, 'translations', `${locale}.json`), 'utf8'));
const camel = (code: string) => code.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

test('every verdict reason has a label and an explanation in en and fr', () => {
  const codes = Object.keys(VERDICT_REASONS);
  expect(codes.length).toBeGreaterThan(30);
  const missing: string[] = [];
  for (const code of codes) {
    const key = `approvals.reason.${camel(code)}`;
    for (const locale of ['en', 'fr']) {
      const texts = load(locale);
      if (!texts[key] || !texts[`${key}.help`]) missing.push(`${locale}:${code}`);
    }
    if (!source.includes(`msg('approvals.reason.${camel(code)}'`)) missing.push(`source:${code}`);
  }
  expect(missing).toStrictEqual([]);
});
