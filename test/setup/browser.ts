/**
 * jest globalSetup of the browser suites: Chromium and Dovecot are provisioned once, before
 * the first suite, and the path of the browser is handed to the test files.
 */
import { ensureDovecot } from '../mailstack/install';
import { ensureChromium } from './chromium';

export default async function setup(): Promise<void> {
  await ensureDovecot();
  process.env.CHROMIUM_PATH = await ensureChromium();
}
