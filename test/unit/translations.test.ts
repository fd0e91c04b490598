/**
 * The admin page's translations: every message the page uses has an English text, and every
 * other language has the same keys (a missing key would silently fall back to English). Pure
 * file reading: a unit test, no browser.
 */
import { expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';

const ADMIN_SRC = path.resolve(__dirname, '..', '..', 'admin', 'src');
const load = (locale: string): Record<string, string> =>
  JSON.parse(fs.readFileSync(path.join(ADMIN_SRC, 'translations', `${locale}.json`), 'utf8'));

/** Translation ids the sources use: `getTranslation('…')` and the `msg('…'` / `d('…'` helpers. */
function usedIds(): Set<string> {
  const ids = new Set<string>();
  for (const file of fs.readdirSync(ADMIN_SRC, { recursive: true }).map(String)) {
    if (!/\.tsx?$/.test(file)) continue;
    const source = fs.readFileSync(path.join(ADMIN_SRC, file), 'utf8');
    for (const match of source.matchAll(/(?:getTranslation|\bmsg|\bd)\(\s*'([A-Za-z][\w.]*)'/g)) {
      ids.add(match[1]);
    }
  }
  return ids;
}

test('every message used by the admin page has an English text', () => {
  const en = load('en');
  const used = [...usedIds()];
  // A scan that finds nothing (a renamed helper, a moved folder) would pass the check below.
  expect(used.length).toBeGreaterThan(100);
  expect(used).toContain('Settings.imap.senderCheck.label');
  const missing = used.filter((id) => !(id in en));
  expect(missing).toStrictEqual([]);
});

test('every English text is used by the page (no stale keys)', () => {
  const used = usedIds();
  // Ids built at run time (`Settings.test.step.${name}`), and Strapi's Settings → Email page
  // naming the provider's features (`EmailPage.feature.<feature>`, server/src/services/transport.ts).
  const dynamic = [/^Settings\.test\.(step|status)\./, /^EmailPage\.feature\./];
  const stale = Object.keys(load('en')).filter(
    (id) => !used.has(id) && !dynamic.some((pattern) => pattern.test(id))
  );
  expect(stale).toStrictEqual([]);
});

test('French has exactly the English keys, none left empty', () => {
  const en = Object.keys(load('en')).sort();
  const fr = load('fr');
  expect(Object.keys(fr).sort()).toStrictEqual(en);
  expect(
    Object.entries(fr)
      .filter(([, text]) => text.trim() === '')
      .map(([key]) => key)
  ).toStrictEqual([]);
});

test('placeholders are the same in every language', () => {
  const en = load('en');
  const fr = load('fr');
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(en)) {
    expect(placeholders(fr[key] ?? '')).toStrictEqual(placeholders(en[key]));
  }
});
