/**
 * What the test command provisions on a fresh machine, as Dovecot's and Chromium's installers
 * share it: finding a binary (sbin directories included, which a non-root PATH often lacks)
 * and installing Debian packages as root.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export function which(name: string): string | undefined {
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

/** Whether `aptInstall` can work here: root, with apt-get. */
export const canApt = () => process.getuid?.() === 0 && which('apt-get') !== undefined;

let updated: Promise<unknown> | undefined;

/** `apt-get install` as root (the package lists are refreshed once per process). */
export async function aptInstall(packages: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = { env, maxBuffer: 64 * 1024 * 1024 };
  updated ??= run('apt-get', ['update'], opts);
  await updated;
  process.stderr.write(`test setup: apt-get install ${packages.join(' ')}\n`);
  await run(
    'apt-get',
    [
      'install',
      '-y',
      '--no-install-recommends',
      '-o',
      'Dpkg::Options::=--force-confold',
      ...packages,
    ],
    opts
  );
}
