/**
 * Which system accounts the private Dovecot runs as.
 *
 * - As root, Dovecot keeps its usual privilege separation (login processes as `dovenull`, auth
 *   as `dovecot`, both created by the Debian package) but mail processes may not run as uid 0,
 *   so maildirs belong to a mail user: `vmail` if present, else Debian's `mail`, else a `vmail`
 *   system user created with useradd.
 * - Unprivileged, every process runs as the current user (Dovecot cannot switch users), which
 *   means default_login_user/default_internal_user/default_internal_group = that user and no
 *   chroot for the login and anvil services.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Accounts {
  root: boolean;
  /** owner of the maildirs and of the mail processes */
  mailUser: string;
  uid: number;
  gid: number;
  /** non-root only: user/group every Dovecot service runs as */
  processUser?: string;
  processGroup?: string;
  /** root only: gid of Dovecot's internal user, so the auth process can read users and keys */
  authGid?: number;
}

function passwdEntry(
  nameOrUid: string | number
): { name: string; uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || uid === undefined || gid === undefined) continue;
    if (name === nameOrUid || Number(uid) === nameOrUid)
      return { name, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

function groupName(gid: number): string | undefined {
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const [name, , id] = line.split(':');
    if (name && Number(id) === gid) return name;
  }
  return undefined;
}

let cached: Promise<Accounts> | undefined;

export function resolveAccounts(): Promise<Accounts> {
  cached ??= (async (): Promise<Accounts> => {
    const uid = process.getuid?.() ?? -1;
    if (uid !== 0) {
      const user = os.userInfo();
      const group = groupName(user.gid);
      if (!passwdEntry(user.username) || !group) {
        throw new Error(
          `the mail test stack runs Dovecot as the current user, which needs a named user and group ` +
            `(uid ${user.uid} / gid ${user.gid} have no /etc/passwd or /etc/group entry)`
        );
      }
      return {
        root: false,
        mailUser: user.username,
        uid: user.uid,
        gid: user.gid,
        processUser: user.username,
        processGroup: group,
      };
    }
    let mail = passwdEntry('vmail') ?? passwdEntry('mail');
    if (!mail) {
      await run('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        'vmail',
      ]);
      mail = passwdEntry('vmail');
      if (!mail) throw new Error('useradd vmail succeeded but vmail is not in /etc/passwd');
    }
    return {
      root: true,
      mailUser: mail.name,
      uid: mail.uid,
      gid: mail.gid,
      authGid: passwdEntry('dovecot')?.gid,
    };
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
