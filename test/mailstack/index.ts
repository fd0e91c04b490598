/**
 * The real mail test stack: a private Dovecot (IMAP + LMTP), an SMTP submission server that
 * delivers through Dovecot's LMTP, and a local Microsoft-Entra-like identity platform whose
 * access tokens both mail servers accept for XOAUTH2, and a local Microsoft Graph that sends
 * into and reads from the same mailboxes (graph.ts). See ./types.ts for the contract and
 * test/integration/mailstack.test.ts for how it is exercised.
 *
 *   const stack = await startMailStack();      // in before()
 *   ...                                         // clients trust stack.caPem
 *   await stack.stop();                         // in after(): nothing left running or on disk
 *
 * Start-up work runs in parallel where it can (certificates, RSA key, port probing, the three
 * servers); a start takes ~0.2–0.5 s, a stop ~30 ms (≤ ~200 ms, see Dovecot.stop).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveAccounts, type Accounts } from './accounts';
import { AUTHSERV_ID } from './auth-results';
import { createCertificates, type Certificates } from './certs';
import { Dovecot } from './dovecot';
import {
  IdentityPlatform,
  clientSecret,
  createSigningKey,
  exportSigningKey,
  guid,
  importSigningKey,
  type SigningKey,
} from './identity-platform';
import { ensureDovecot, type DovecotBinaries } from './install';
import { startRelay } from './loopback-relay';
import { findFreePorts, isAddressInUse, loopbackAliasUsable } from './ports';
import { LocalGraph } from './graph';
import { startSmtp } from './smtp';
import type { IdentityClient, MailStack, MailStackOptions, MailUser } from './types';

export type * from './types';

const HOST = '127.0.0.1';
/** where Dovecot's STARTTLS listener hides behind the relay (see loopback-relay.ts) */
const STARTTLS_ALIAS = '127.0.0.2';
const DEFAULT_MECHANISMS = ['plain', 'login', 'xoauth2', 'oauthbearer'] as const;
const DEFAULT_AUDIENCE = 'https://outlook.office365.com';
export const DEFAULT_USERS = [
  'editor@example.test',
  'approver@example.test',
  'mailbox@example.test',
];
/** attempts when a chosen port was taken before our server bound it */
const PORT_ATTEMPTS = 4;

function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Default users with random passwords, then opts.users (same address = replace the default). */
function buildUsers(extra: MailUser[] = []): MailUser[] {
  const byAddress = new Map<string, MailUser>();
  for (const address of DEFAULT_USERS)
    byAddress.set(address, { address, password: randomPassword() });
  for (const u of extra) {
    if (!u?.address || typeof u.password !== 'string') {
      throw new Error('users: address and password are required');
    }
    const address = u.address.trim().toLowerCase();
    byAddress.set(address, { ...u, address });
  }
  return [...byAddress.values()];
}

function parseOptions(opts: MailStackOptions) {
  const mechanisms = [
    ...new Set((opts.imapMechanisms ?? DEFAULT_MECHANISMS).map((m) => m.toLowerCase())),
  ];
  const unknown = mechanisms.filter((m) => !(DEFAULT_MECHANISMS as readonly string[]).includes(m));
  if (unknown.length || mechanisms.length === 0) {
    throw new Error(`imapMechanisms: unsupported ${unknown.join(' ') || '(empty list)'}`);
  }
  const tokenLifetimeSec = opts.tokenLifetimeSec ?? 3600;
  if (!(tokenLifetimeSec > 0)) throw new Error('tokenLifetimeSec must be > 0');
  return { mechanisms, tokenLifetimeSec, audience: opts.mailAudience ?? DEFAULT_AUDIENCE };
}

/** What is prepared once per stack, whatever ports the servers end up on. */
interface Prepared {
  dir: string;
  opts: MailStackOptions;
  binaries: DovecotBinaries;
  accounts: Accounts;
  certs: Certificates;
  signingKey: SigningKey;
  users: MailUser[];
  defaultClient: IdentityClient;
  mechanisms: string[];
  tokenLifetimeSec: number;
  audience: string;
  /** Dovecot's STARTTLS listener address, if it sits behind a relay */
  imapAlias?: string;
}

interface Running {
  ports: number[];
  dovecot: Dovecot;
  idp: IdentityPlatform;
  smtp: Awaited<ReturnType<typeof startSmtp>>;
  graph: LocalGraph;
  stop(): Promise<void>;
}

/** Starts Dovecot, the identity platform and SMTP on `ports`; all or nothing. */
async function startServers(p: Prepared, ports: number[]): Promise<Running> {
  const [imapPort, imapsPort, lmtpPort, smtpPort, smtpsPort, idpPort, graphPort] = ports as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    const results = await Promise.allSettled(stoppers.splice(0).map((s) => s()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  const idp = new IdentityPlatform({
    host: HOST,
    port: idpPort,
    tls: { cert: p.certs.certPem, key: p.certs.keyPem },
    signingKey: p.signingKey,
    tokenLifetimeSec: p.tokenLifetimeSec,
    clients: [p.defaultClient],
    // The mail users are also the directory's users (authorize page, password grant).
    findUser: (address) => findUser(address),
  });
  const findUser = (address: string) =>
    p.users.find((u) => u.address === address.trim().toLowerCase());
  // Dovecot validates a token with the key stored under the token's azp: one file per client.
  const publishKey = (d: Dovecot, azp: string) =>
    d.writeValidationKey(azp, p.signingKey.alg, p.signingKey.kid, p.signingKey.publicPem);

  const dovecotP = Dovecot.start(
    {
      stackDir: p.dir,
      binaries: p.binaries,
      accounts: p.accounts,
      tls: { certFile: p.certs.certFile, keyFile: p.certs.keyFile },
      host: HOST,
      ports: { imap: imapPort, imaps: imapsPort, lmtp: lmtpPort },
      imapAddress: p.imapAlias,
      mechanisms: p.mechanisms,
      issuers: idp.issuers(),
      audience: p.audience,
      users: p.users,
      debug: p.opts.debug,
    },
    (d) => {
      // Key files must exist before start (Dovecot caches what it has looked up).
      publishKey(d, 'default');
      publishKey(d, p.defaultClient.clientId);
    }
  )
    .then((d) => {
      stoppers.push(() => d.stop());
      return d;
    })
    .then(async (d) => {
      if (p.imapAlias) {
        const relay = await startRelay(
          { host: HOST, port: imapPort },
          { host: p.imapAlias, port: imapPort }
        );
        stoppers.push(() => relay.close());
      }
      return d;
    });
  const idpP = idp.listen().then(() => {
    stoppers.push(() => idp.close());
  });
  const smtpP = startSmtp({
    host: HOST,
    port: smtpPort,
    tlsPort: smtpsPort,
    tls: { cert: p.certs.certPem, key: p.certs.keyPem },
    lmtp: { host: HOST, port: lmtpPort },
    checkPassword: (username, password) => findUser(username)?.password === password,
    checkAccessToken: async (username, token) => {
      const claims = await idp.verifyAccessToken(token, p.audience);
      return !!claims && String(claims.email).toLowerCase() === username.trim().toLowerCase();
    },
    isMailbox: (address) => !!findUser(address),
    enforceSendAs: p.opts.enforceSendAs,
  }).then((s) => {
    stoppers.push(() => s.close());
    return s;
  });

  const graph = new LocalGraph({
    host: HOST,
    port: graphPort,
    tls: { cert: p.certs.certPem, key: p.certs.keyPem },
    lmtp: { host: HOST, port: lmtpPort },
    verifyToken: (token, audience) => idp.verifyAccessToken(token, audience),
    isMailbox: (address) => !!findUser(address),
    // Graph reads a mailbox as its user would over IMAP: the same Dovecot, the same mail.
    imap: {
      host: HOST,
      port: imapsPort,
      ca: p.certs.caPem,
      password: (address) => findUser(address)?.password,
    },
  });
  const graphP = graph.listen().then(() => {
    stoppers.push(() => graph.close());
  });

  const settled = await Promise.allSettled([dovecotP, idpP, smtpP, graphP]);
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await stop().catch(() => undefined);
    throw failure.reason;
  }
  const [dovecot, , smtp] = await Promise.all([dovecotP, idpP, smtpP, graphP]);

  // A client registered later: its mailbox must exist (created with a random password and
  // appended to stack.users), Dovecot needs its key file and, for a new tenant, its issuer.
  idp.onClientRegistered = (client) => {
    const address = client.mailbox.trim().toLowerCase();
    if (!findUser(address)) {
      p.users.push({ address, password: randomPassword() });
      dovecot.setUsers(p.users);
    }
    publishKey(dovecot, client.clientId);
    dovecot.setIssuers([...idp.issuers(), idp.issuer(client.tenantId)]);
  };
  return { ports, dovecot, idp, smtp, graph, stop };
}

export async function startMailStack(opts: MailStackOptions = {}): Promise<MailStack> {
  const started = Date.now();
  const { mechanisms, tokenLifetimeSec, audience } = parseOptions(opts);
  const users = buildUsers(opts.users);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailstack-'));

  let running: Running | undefined;
  let prepared: Prepared;
  try {
    // Everything independent at once: the slow parts are openssl (~15 ms) and RSA keygen.
    const reuse = opts.reuse;
    const [binaries, accounts, certs, signingKey, aliasUsable] = await Promise.all([
      ensureDovecot(),
      resolveAccounts(),
      createCertificates(path.join(dir, 'tls')),
      reuse ? importSigningKey(reuse.signingKeyPem) : createSigningKey(),
      loopbackAliasUsable(STARTTLS_ALIAS, HOST),
    ]);
    prepared = {
      dir,
      opts,
      binaries,
      accounts,
      certs,
      signingKey,
      users,
      defaultClient: reuse
        ? { ...reuse.client }
        : {
            tenantId: guid(),
            clientId: guid(),
            clientSecret: clientSecret(),
            mailbox: 'mailbox@example.test',
            // What an admin registers for a Strapi on this machine; loopback ports are ignored.
            redirectUris: [
              'http://127.0.0.1/mail-server/oauth/callback',
              'http://localhost/mail-server/oauth/callback',
            ],
          },
      mechanisms,
      tokenLifetimeSec,
      audience,
      // Without 127.0.0.2 (not Linux), Dovecot listens on 127.0.0.1 directly and, seeing a
      // loopback client as "secured", also accepts plaintext auth before STARTTLS.
      imapAlias: aliasUsable ? STARTTLS_ALIAS : undefined,
    };
    if (reuse) {
      const { imap, imaps, lmtp, smtp, smtps, idp } = reuse.ports;
      const graph = reuse.ports.graph ?? (await findFreePorts(1, HOST))[0]!;
      running = await startServers(prepared, [imap, imaps, lmtp, smtp, smtps, idp, graph]);
    }
    for (let attempt = 1; !running; attempt++) {
      try {
        running = await startServers(prepared, await findFreePorts(7, HOST));
      } catch (err) {
        // Someone took a port between our probe and the bind: try other ports.
        if (!isAddressInUse(err) || attempt >= PORT_ATTEMPTS) throw err;
        await fs.rm(path.join(dir, 'dovecot'), { recursive: true, force: true });
      }
    }
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }

  const { ports, dovecot, idp, smtp, graph } = running;
  const [imapPort, imapsPort, lmtpPort, smtpPort, smtpsPort] = ports as [
    number,
    number,
    number,
    number,
    number,
  ];
  let stopping: Promise<void> | undefined;
  const stack: MailStack = {
    dir,
    caPem: prepared.certs.caPem,
    caFile: prepared.certs.caFile,
    users,
    imap: { host: HOST, port: imapPort, tlsPort: imapsPort },
    smtp: { host: HOST, port: smtpPort, tlsPort: smtpsPort },
    lmtp: { host: HOST, port: lmtpPort },
    idp: {
      url: idp.url,
      authorityHost: idp.authorityHost,
      client: { ...prepared.defaultClient },
      registerClient: (c) => idp.registerClient(c),
      tokenRequests: (grantType?: string) => idp.tokenRequests(grantType),
      setTokenLifetime: (seconds: number) => idp.setTokenLifetime(seconds),
      revokeRefreshTokens: (user?: string) => idp.revokeRefreshTokens(user),
      issuer: (tenantId) => idp.issuer(tenantId),
    },
    graph: {
      url: graph.url,
      host: graph.host,
      throttle: (count, seconds) => graph.throttle(count, seconds),
      denyMailbox: (address) => graph.denyMailbox(address),
      stats: () => graph.stats(),
    },
    authservId: AUTHSERV_ID,
    smtpAccepted: () => smtp.accepted(),
    dovecot: {
      get pid() {
        return dovecot.pid!;
      },
      configFile: dovecot.configFile,
      logFile: dovecot.logFile,
      logTail: (lines?: number) => dovecot.logTail(lines),
      stop: () => dovecot.stop(),
      start: () => dovecot.restart(),
    },
    startupMs: Date.now() - started,
    identity: async () => ({
      ports: {
        imap: imapPort,
        imaps: imapsPort,
        lmtp: lmtpPort,
        smtp: smtpPort,
        smtps: smtpsPort,
        idp: ports[5]!,
        graph: ports[6]!,
      },
      client: { ...prepared.defaultClient },
      signingKeyPem: await exportSigningKey(prepared.signingKey),
    }),
    stop: () =>
      (stopping ??= (async () => {
        try {
          await running.stop();
        } finally {
          await fs.rm(dir, { recursive: true, force: true });
        }
      })()),
  };
  return stack;
}
