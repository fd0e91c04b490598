/**
 * Finds a Chromium for the browser tests, provisioning one on a fresh machine the way the mail
 * stack provisions Dovecot: Debian's `chromium` as root where apt exists; otherwise Playwright's
 * own browser download; otherwise one line naming the command to run — never a silent skip.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { aptInstall, canApt, run, which } from './apt';

export const CHROMIUM_PACKAGES = ['chromium'];

const executable = (file: string | undefined) => {
  if (!file) return undefined;
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
};

/** CHROMIUM_PATH when set (and then only it), else a system Chromium, else Playwright's. */
function probe(): string | undefined {
  if (process.env.CHROMIUM_PATH) return executable(process.env.CHROMIUM_PATH);
  return (
    which('chromium') ??
    which('chromium-browser') ??
    which('google-chrome') ??
    executable(chromium.executablePath())
  );
}

const HOW =
  'run `sudo apt-get install -y chromium` (Debian/Ubuntu) or `npx playwright-core install chromium`, ' +
  'or set CHROMIUM_PATH to a Chromium or Chrome binary';

async function playwrightInstall(): Promise<void> {
  const cli = path.join(path.dirname(require.resolve('playwright-core/package.json')), 'cli.js');
  process.stderr.write('test setup: playwright-core install chromium\n');
  await run(process.execPath, [cli, 'install', 'chromium'], { maxBuffer: 64 * 1024 * 1024 });
}

let cached: Promise<string> | undefined;

/** The Chromium binary to launch; installs one when none is found. */
export function ensureChromium(): Promise<string> {
  cached ??= (async () => {
    const found = probe();
    if (found) return found;
    if (process.env.CHROMIUM_PATH)
      throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable: ${HOW}`);
    const failures: string[] = [];
    if (canApt()) {
      await aptInstall(CHROMIUM_PACKAGES).catch((err: Error) =>
        failures.push(`apt-get: ${err.message.split('\n')[0]}`)
      );
    }
    if (!probe()) {
      await playwrightInstall().catch((err: Error) =>
        failures.push(`playwright: ${err.message.split('\n')[0]}`)
      );
    }
    const installed = probe();
    if (installed) return installed;
    throw new Error(
      `Chromium is needed for the browser tests and could not be installed (${failures.join('; ')}): ${HOW}`
    );
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
