/**
 * `npm run docs:email-screenshots`: renders the sample approval request (scripts/email-sample.ts)
 * and photographs it in headless Chromium (Debian's, found as the browser tests find it) at a
 * phone's width (375 px) and a desktop's (1024 px), in light and dark colour schemes, into
 * docs/screenshots/request-email-*.png. Run by hand when the email changes; no test runs it,
 * so a test never rewrites tracked files.
 *
 * The page loads nothing from the network (every request is refused), as a careful mail client
 * would show the email.
 */
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../test/helpers/browser';
import { renderRequestEmail, requestModel } from '../server/src/approvals/email';
import { SAMPLE_FACTS, SAMPLE_REF, SAMPLE_VIEW } from './email-sample';

const OUT = path.resolve(__dirname, '..', 'docs', 'screenshots');
const WIDTHS = { phone: 375, desktop: 1024 } as const;
const SCHEMES = ['light', 'dark'] as const;

async function main() {
  const language = process.argv[2] ?? 'en';
  const email = await renderRequestEmail(
    requestModel(SAMPLE_VIEW, SAMPLE_FACTS, language, SAMPLE_REF)
  );
  fs.mkdirSync(OUT, { recursive: true });
  const browser = await launchChromium();
  try {
    for (const [device, width] of Object.entries(WIDTHS)) {
      for (const colorScheme of SCHEMES) {
        const context = await browser.newContext({
          viewport: { width, height: 800 },
          deviceScaleFactor: 1,
          colorScheme,
        });
        const page = await context.newPage();
        await page.route('**/*', (route) => route.abort());
        await page.setContent(email.html, { waitUntil: 'load' });
        const suffix = language === 'en' ? '' : `-${language}`;
        const file = path.join(OUT, `request-email-${device}-${colorScheme}${suffix}.png`);
        await page.screenshot({ path: file, fullPage: true });
        process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
