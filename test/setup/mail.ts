/**
 * jest globalSetup of the suites that start the mail stack: Dovecot is installed (as root,
 * from Debian) before the first suite, so a fresh machine needs nothing done by hand.
 */
import { ensureDovecot } from '../mailstack/install';

export default async function setup(): Promise<void> {
  await ensureDovecot();
}
