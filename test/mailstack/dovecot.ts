/**
 * A private Dovecot instance: its own config, sockets, state, log and maildirs under the stack's
 * temp folder, listening on 127.0.0.1 only, on ports chosen at start. The system Dovecot (if any)
 * is never touched.
 *
 * Layout under `<stack>/`:
 *   dovecot/dovecot.conf, dovecot/oauth2.conf.ext, dovecot/users, dovecot/dovecot.log
 *   dovecot/run (base_dir), dovecot/state (state_dir)
 *   keys/<azp>/RS256/<kid>     public keys for local JWT validation (oauth2 passdb)
 *   mail/<address>/Maildir     one home per user
 *
 * Why things are configured the way they are is noted next to each setting below.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { Accounts } from './accounts';
import type { DovecotBinaries } from './install';
import { waitForPorts } from './ports';
import type { MailUser } from './types';

export interface DovecotSettings {
  /** the stack's temp folder */
  stackDir: string;
  binaries: DovecotBinaries;
  accounts: Accounts;
  tls: { certFile: string; keyFile: string };
  host: string;
  ports: { imap: number; imaps: number; lmtp: number };
  /** address of the STARTTLS listener when a relay publishes it on `host` (see loopback-relay.ts) */
  imapAddress?: string;
  mechanisms: string[];
  /** accepted `iss` values of access tokens */
  issuers: string[];
  /** required `aud` of access tokens (Dovecot's oauth2 `client_id`); empty = not checked */
  audience: string;
  users: MailUser[];
  debug?: boolean;
  startTimeoutMs?: number;
}

/** Dovecot's dict-fs key path escaping for `azp` and `kid` (oauth2-jwt.c escape_identifier). */
function escapeKeyId(id: string): string {
  return id.replace(/%/g, '%25').replace(/\//g, '%2f');
}

/** `{SHA512.b64}` hash: no cleartext on disk, and any character may appear in a password. */
function passwdFileLine(user: MailUser): string {
  if (/[:\s]/.test(user.address) || /[\r\n]/.test(user.password)) {
    throw new Error(`invalid mail user ${JSON.stringify(user.address)}`);
  }
  const hash = createHash('sha512').update(user.password, 'utf8').digest('base64');
  return `${user.address.toLowerCase()}:{SHA512.b64}${hash}::::::\n`;
}

/** Synchronous sleep (used only while Dovecot reloads, a few ms, so registerClient can stay sync). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Live (non-zombie) members of a process group, from /proc; undefined where /proc is absent. */
function liveGroupMembers(pgid: number): number[] | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const live: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ..." — comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') live.push(Number(entry));
  }
  return live;
}

function groupAlive(pgid: number): boolean {
  const members = liveGroupMembers(pgid);
  if (members) return members.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export class Dovecot {
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly keysDir: string;
  readonly mailDir: string;
  private readonly oauth2File: string;
  private readonly usersFile: string;
  private child?: ChildProcess;
  private output = '';
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private stopping?: Promise<void>;
  private issuers: string[];
  private readonly onProcessExit = () => this.killGroup('SIGKILL');

  private constructor(private readonly s: DovecotSettings) {
    this.dir = path.join(s.stackDir, 'dovecot');
    this.configFile = path.join(this.dir, 'dovecot.conf');
    this.logFile = path.join(this.dir, 'dovecot.log');
    this.oauth2File = path.join(this.dir, 'oauth2.conf.ext');
    this.usersFile = path.join(this.dir, 'users');
    this.keysDir = path.join(s.stackDir, 'keys');
    this.mailDir = path.join(s.stackDir, 'mail');
    this.issuers = [...s.issuers];
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Writes the configuration (keys must be written before, see writeValidationKey) and starts. */
  static async start(
    settings: DovecotSettings,
    beforeStart?: (d: Dovecot) => void
  ): Promise<Dovecot> {
    const d = new Dovecot(settings);
    d.prepareFiles();
    beforeStart?.(d);
    await d.spawn();
    return d;
  }

  private prepareFiles(): void {
    const { accounts } = this.s;
    for (const dir of [this.dir, this.keysDir, this.mailDir])
      mkdirSync(dir, { recursive: true, mode: 0o755 });
    if (accounts.root) {
      // mkdtemp makes the stack folder 0700; dovenull (login), dovecot (auth) and the mail user
      // must traverse it. Secrets stay protected file by file.
      chmodSync(this.s.stackDir, 0o755);
      chownSync(this.mailDir, accounts.uid, accounts.gid);
    }
    this.setUsers(this.s.users);
    this.writeOauth2Config();
    writeFileSync(this.configFile, this.buildConfig());
  }

  private buildConfig(): string {
    const { accounts, ports, host, tls } = this.s;
    const d = this.dir;
    const lines: string[] = [
      '# Private Dovecot of the mail test stack (generated by test/mailstack/dovecot.ts).',
      `base_dir = ${d}/run`,
      `state_dir = ${d}/state`,
      // Shows in every child's process title (`dovecot-mailstack-XXXX/imap-login`).
      `instance_name = ${path.basename(this.s.stackDir)}`,
      `log_path = ${this.logFile}`,
      'protocols = imap lmtp',
      `listen = ${host}`,
      // STARTTLS on the plain port, implicit TLS on imaps; no plaintext auth before TLS. (Dovecot
      // counts remote IP == local IP as "secured" and would allow it anyway on loopback; hence
      // the STARTTLS listener on 127.0.0.2 behind a relay, see loopback-relay.ts.)
      'ssl = yes',
      'disable_plaintext_auth = yes',
      `ssl_cert = <${tls.certFile}`,
      `ssl_key = <${tls.keyFile}`,
      'ssl_min_protocol = TLSv1.2',
      `auth_mechanisms = ${this.s.mechanisms.join(' ')}`,
      // Failed logins answer at once: the default 2 s delay and anvil's growing penalty
      // (below) would make negative tests slow and later tests flaky.
      'auth_failure_delay = 0',
      'auth_verbose = yes',
      `auth_debug = ${this.s.debug ? 'yes' : 'no'}`,
      'mail_location = maildir:~/Maildir',
      // Tests open many parallel sessions for one user from 127.0.0.1 (default limit 10).
      'mail_max_userip_connections = 100',
      // Mail processes never run as root: a dedicated mail user owns every maildir.
      `mail_uid = ${accounts.uid}`,
      `mail_gid = ${accounts.gid}`,
      `first_valid_uid = ${accounts.uid}`,
      `first_valid_gid = ${accounts.gid}`,
    ];
    if (!accounts.root) {
      lines.push(
        `default_login_user = ${accounts.processUser}`,
        `default_internal_user = ${accounts.processUser}`,
        `default_internal_group = ${accounts.processGroup}`
      );
    }
    lines.push(
      // Dovecot 2.3.19 answers failed logins from a 500 ms timer even with auth_failure_delay =
      // 0, unless the failure carries the `nodelay` field. A failing passdb's fields are dropped,
      // so this first passdb always "succeeds" just to contribute nodelay, then marks the state
      // as failed (continue-fail): the real passdbs below still have to verify the credentials.
      'passdb {',
      '  driver = static',
      '  args = nopassword=y nodelay=y',
      '  result_success = continue-fail',
      '}',
      // Passwords (PLAIN/LOGIN) come from the passwd-file, bearer tokens (XOAUTH2/OAUTHBEARER)
      // from the oauth2 passdb; `mechanisms` keeps each passdb to its own mechanisms.
      'passdb {',
      '  driver = passwd-file',
      `  args = username_format=%Lu ${this.usersFile}`,
      '  mechanisms = plain login',
      '}',
      'passdb {',
      '  driver = oauth2',
      `  args = ${this.oauth2File}`,
      '  mechanisms = xoauth2 oauthbearer',
      '}',
      // One userdb for both: a token only logs in users that exist, like a real mailbox server.
      'userdb {',
      '  driver = passwd-file',
      `  args = username_format=%Lu ${this.usersFile}`,
      `  default_fields = home=${this.mailDir}/%Lu`,
      '}',
      'service imap-login {',
      '  inet_listener imap {',
      ...(this.s.imapAddress ? [`    address = ${this.s.imapAddress}`] : []),
      `    port = ${ports.imap}`,
      '  }',
      '  inet_listener imaps {',
      `    port = ${ports.imaps}`,
      '    ssl = yes',
      '  }',
      ...(accounts.root ? [] : ['  chroot =']),
      '}',
      'service lmtp {',
      '  inet_listener lmtp {',
      `    address = ${host}`,
      `    port = ${ports.lmtp}`,
      '  }',
      '}',
      'service anvil {',
      '  unix_listener anvil-auth-penalty {',
      '    mode = 0',
      '  }',
      ...(accounts.root ? [] : ['  chroot =']),
      '}',
      'protocol lmtp {',
      '  postmaster_address = postmaster@example.test',
      '}',
      ''
    );
    return lines.join('\n');
  }

  private writeOauth2Config(): void {
    // Local JWT validation: no HTTP call back to the identity platform, keys come from
    // `<keys>/<azp>/<alg>/<kid>` (see writeValidationKey).
    const lines = [
      'introspection_mode = local',
      `local_validation_key_dict = fs:posix:prefix=${this.keysDir}/`,
      `issuers = ${this.issuers.join(' ')}`,
      'username_attribute = email',
      'username_format = %Lu',
      `debug = ${this.s.debug ? 'yes' : 'no'}`,
    ];
    // Despite its name, `client_id` is what Dovecot compares with the token's `aud`.
    if (this.s.audience) lines.push(`client_id = ${this.s.audience}`);
    this.writeAtomic(this.oauth2File, lines.join('\n') + '\n', 0o644);
  }

  /** write + rename, so the auth process never reads a half-written file */
  private writeAtomic(file: string, content: string, mode: number, gid?: number): void {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, content, { mode });
    chmodSync(tmp, mode);
    if (gid !== undefined) chownSync(tmp, 0, gid);
    renameSync(tmp, file);
  }

  /** Replaces the passwd-file. Dovecot re-reads it when its mtime/size change. */
  setUsers(users: MailUser[]): void {
    const authGid = this.s.accounts.root ? this.s.accounts.authGid : undefined;
    this.writeAtomic(
      this.usersFile,
      users.map(passwdFileLine).join(''),
      authGid === undefined && this.s.accounts.root ? 0o644 : 0o640,
      authGid
    );
  }

  /**
   * Publishes the identity platform's public key where the oauth2 passdb looks for it: Dovecot
   * builds the path from the token's `azp` claim (or `default`), `alg` and `kid`. Unknown keys
   * are looked up on demand, so keys of clients registered later work without a reload.
   */
  writeValidationKey(azp: string, alg: string, kid: string, publicKeyPem: string): void {
    const dir = path.join(this.keysDir, escapeKeyId(azp), alg);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    this.writeAtomic(path.join(dir, escapeKeyId(kid)), publicKeyPem, 0o644);
  }

  /**
   * Accepted issuers are read at start only, so a new tenant needs a reload (SIGHUP). Blocks
   * until the master has logged the reload (a few ms), so the next login sees the new list.
   */
  setIssuers(issuers: string[]): void {
    const next = [...new Set(issuers)];
    if (next.length === this.issuers.length && next.every((i) => this.issuers.includes(i))) return;
    this.issuers = next;
    this.writeOauth2Config();
    if (!this.child?.pid || this.exit || this.stopping) return;
    const marker = 'SIGHUP received - reloading configuration';
    const count = () => this.readLog().split(marker).length;
    const before = count();
    process.kill(this.child.pid, 'SIGHUP');
    const deadline = Date.now() + 5000;
    while (count() === before) {
      if (Date.now() > deadline) throw new Error(`Dovecot did not reload\n${this.logTail()}`);
      sleepSync(5);
    }
    // New auth processes are forked right after the log line; give them a moment.
    sleepSync(20);
  }

  private readLog(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Last lines of Dovecot's log and of its stderr, for error messages. */
  logTail(lines = 40): string {
    const log = this.readLog().trimEnd().split('\n').slice(-lines).join('\n');
    return `--- ${this.logFile} (tail) ---\n${log}\n--- dovecot stdout/stderr ---\n${this.output.trimEnd()}`;
  }

  private async spawn(): Promise<void> {
    // detached: Dovecot becomes the leader of its own process group, so stop() can signal the
    // master and every child (login, auth, imap, lmtp …) at once. -F keeps it in the foreground
    // so we own the master's lifetime and see its exit.
    // setpriv --pdeathsig: if the test process dies without stop() (crash, SIGKILL), the kernel
    // kills the master, and its children exit within ~1 s once they see the master is gone.
    // (Not SIGTERM: the master would wait seconds for children that never report back.)
    const args = ['-F', '-c', this.configFile];
    const [cmd, argv] = this.s.binaries.setpriv
      ? [this.s.binaries.setpriv, ['--pdeathsig', 'KILL', '--', this.s.binaries.dovecot, ...args]]
      : [this.s.binaries.dovecot, args];
    const child = spawn(cmd, argv, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: this.dir,
    });
    this.child = child;
    const collect = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-16384);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
    });
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) =>
        reject(new Error(`cannot run ${this.s.binaries.dovecot}: ${err.message}`))
      )
    );
    spawnError.catch(() => undefined);
    // If the test process dies without calling stop(), do not leave Dovecot behind.
    process.once('exit', this.onProcessExit);

    const { host, ports } = this.s;
    try {
      await Promise.race([
        spawnError,
        waitForPorts(
          [
            { host: this.s.imapAddress ?? host, port: ports.imap },
            { host, port: ports.imaps },
            { host, port: ports.lmtp },
          ],
          {
            timeoutMs: this.s.startTimeoutMs ?? 10000,
            failed: () =>
              this.exit
                ? `Dovecot exited during start (code ${this.exit.code}, signal ${this.exit.signal})`
                : undefined,
          }
        ),
      ]);
    } catch (err) {
      await this.stop();
      throw new Error(`Dovecot failed to start: ${(err as Error).message}\n${this.logTail()}`);
    }
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      /* group already gone */
    }
  }

  /**
   * Starts Dovecot again after stop(), with the same configuration, mail and ports: what a
   * server restart looks like to its clients (connections refused while down, then back).
   */
  async restart(): Promise<void> {
    await this.stop();
    this.stopping = undefined;
    this.exit = undefined;
    this.child = undefined;
    this.output = '';
    await this.spawn();
  }

  /**
   * Stops the whole process group and waits until no member is left running. Idempotent.
   *
   * SIGTERM goes to the group (signalling only the master can leave session processes behind).
   * Normally the master exits within a few ms. But Dovecot 2.3's master then waits up to ~6 s
   * (services_monitor_wait) for children that were killed before they reported their status,
   * which happens whenever stop() closely follows a connection (e.g. the port probes at start).
   * Everything it would clean up lives in the temp folder we delete anyway, so after a short
   * grace period the group is killed.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      process.removeListener('exit', this.onProcessExit);
      const pid = this.child?.pid;
      if (!pid) return;
      // The master exits first; children it did not reap yet linger for a few ms.
      const gone = async (ms: number) => {
        const deadline = Date.now() + ms;
        while ((!this.exit || groupAlive(pid)) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 5));
        }
        return !!this.exit && !groupAlive(pid);
      };
      this.killGroup('SIGTERM');
      if (!(await gone(150))) {
        this.killGroup('SIGKILL');
        if (!(await gone(5000))) {
          throw new Error(`Dovecot process group ${pid} did not stop\n${this.logTail(10)}`);
        }
      }
      this.child?.stdout?.destroy();
      this.child?.stderr?.destroy();
    })();
    return this.stopping;
  }
}
