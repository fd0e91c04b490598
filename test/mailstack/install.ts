/**
 * Finds the Dovecot binary, installing the Debian packages when we are root and they are missing.
 * The stack needs three packages: dovecot-core (master, auth, oauth2 passdb), dovecot-imapd
 * (imap, imap-login) and dovecot-lmtpd (lmtp, which delivers what the SMTP server accepts).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const DOVECOT_PACKAGES = ['dovecot-core', 'dovecot-imapd', 'dovecot-lmtpd'];

export interface DovecotBinaries {
  dovecot: string;
  /** where imap, imap-login, lmtp … live (`doveconf -d libexec_dir`) */
  libexecDir: string;
  /** util-linux setpriv, if present: starts Dovecot with a parent-death signal */
  setpriv?: string;
}

/** Looks in PATH and in the sbin directories, which a non-root PATH often lacks. */
function which(name: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/sbin',
    '/usr/bin',
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* next */
    }
  }
  return undefined;
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
  if (!which('apt-get')) throw missingError(' and apt-get is not available to install it');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = { env, maxBuffer: 64 * 1024 * 1024 };
  await run('apt-get', ['update'], opts);
  await run(
    'apt-get',
    [
      'install',
      '-y',
      '--no-install-recommends',
      '-o',
      'Dpkg::Options::=--force-confold',
      ...DOVECOT_PACKAGES,
    ],
    opts
  );
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
