/**
 * Finds the Dovecot binary, installing the Debian packages when we are root and they are missing.
 * The stack needs three packages: dovecot-core (master, auth, oauth2 passdb), dovecot-imapd
 * (imap, imap-login) and dovecot-lmtpd (lmtp, which delivers what the SMTP server accepts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { aptInstall as install, canApt, run, which } from '../setup/apt';

export const DOVECOT_PACKAGES = ['dovecot-core', 'dovecot-imapd', 'dovecot-lmtpd'];

export interface DovecotBinaries {
  dovecot: string;
  /** where imap, imap-login, lmtp … live (`doveconf -d libexec_dir`) */
  libexecDir: string;
  /** util-linux setpriv, if present: starts Dovecot with a parent-death signal */
  setpriv?: string;
}

async function probe(): Promise<DovecotBinaries | undefined> {
  const dovecot = which('dovecot');
  if (!dovecot) return undefined;
  const doveconf = which('doveconf') ?? path.join(path.dirname(dovecot), 'doveconf');
  let libexecDir = '/usr/lib/dovecot';
  try {
    const { stdout } = await run(doveconf, ['-d', 'libexec_dir']);
    libexecDir = stdout.split('=')[1]?.trim() || libexecDir;
  } catch {
    /* keep the Debian default */
  }
  // dovecot-core alone has no imap/lmtp: treat it as "not installed".
  const needed = ['imap', 'imap-login', 'lmtp'];
  if (!needed.every((b) => existsSync(path.join(libexecDir, b)))) return undefined;
  return { dovecot, libexecDir, setpriv: which('setpriv') };
}

function missingError(extra = ''): Error {
  return new Error(
    `Dovecot (with IMAP and LMTP) is required by the mail test stack but is not installed${extra}. ` +
      `Install the packages ${DOVECOT_PACKAGES.join(' ')}, e.g. ` +
      `\`sudo apt-get install -y ${DOVECOT_PACKAGES.join(' ')}\`, then stop the system instance ` +
      '(`sudo systemctl disable --now dovecot`); the stack runs its own private instance.'
  );
}

async function aptInstall(): Promise<void> {
  if (!canApt()) throw missingError(' and apt-get is not available to install it');
  await install(DOVECOT_PACKAGES);
  // The package starts a system-wide Dovecot on 0.0.0.0:143/993 where systemd runs; the stack
  // does not use it, so do not leave it running (best effort, systemd may be absent).
  const systemctl = which('systemctl');
  if (systemctl) {
    await run(systemctl, ['disable', '--now', 'dovecot.service', 'dovecot.socket']).catch(
      () => undefined
    );
  }
}

let cached: Promise<DovecotBinaries> | undefined;

/** Resolves the binaries once per process (parallel stacks share the answer). */
export function ensureDovecot(): Promise<DovecotBinaries> {
  cached ??= (async () => {
    const found = await probe();
    if (found) return found;
    if (process.getuid?.() !== 0) throw missingError();
    await aptInstall();
    const installed = await probe();
    if (!installed)
      throw missingError(' (apt-get install ran but dovecot/imap/lmtp are still missing)');
    return installed;
  })();
  cached.catch(() => {
    cached = undefined; // allow a retry after fixing the machine
  });
  return cached;
}
