/**
 * axe-core in a real page: the serious and critical violations, as "rule: target" lines (an
 * empty list is the pass). `main` checks only the page's content (Strapi's own menus are not
 * the plugin's to fix); the whole document otherwise.
 */
import type { Page } from 'playwright-core';

type AxeResults = {
  violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }>;
};

export async function seriousA11yViolations(
  page: Page,
  { scope = 'document' }: { scope?: 'main' | 'document' } = {}
): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  }
  const results = await page.evaluate(async (onlyMain) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown): Promise<AxeResults> } }).axe;
    return axe.run(onlyMain && document.querySelector('main') ? { include: [['main']] } : document);
  }, scope === 'main');
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}
