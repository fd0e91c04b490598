/**
 * What the IMAP probe needs around imapflow: a transport that hands imapflow the socket the
 * probe already opened (and times the STARTTLS handshake), and a transcript that notes when
 * the login starts and which capabilities the server offered before it. The transcript reads
 * imapflow's 'log' events and keeps only the command verb, never arguments (credentials).
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { ImapFlow, ImapTransport, ImapTransportSocket } from 'imapflow';
import { describeTls, tlsOptions, withTimeout, type TlsFacts } from '../connection';
import { stopwatch } from '../probe/steps';
import { socketFailure, type SocketHolder } from '../probe/connect';
import type { Endpoint, TlsSettings } from '../types';

export type Upgrade = { ms: number; facts?: TlsFacts };

/**
 * `connect` returns the open socket (plain or already TLS); `upgrade` does the STARTTLS
 * handshake with strict verification and records its duration in `upgrade`.
 */
export function probeTransport(
  socket: net.Socket,
  endpoint: Endpoint,
  settings: TlsSettings | undefined,
  holder: SocketHolder,
  upgrade: { value?: Upgrade }
): ImapTransport {
  return {
    connect: (_options, onConnect) => {
      const failed = socketFailure(holder);
      if (failed) throw failed;
      setImmediate(onConnect);
      return socket as ImapTransportSocket;
    },
    upgrade: (plain, _options, onSecure) => {
      const t = stopwatch();
      const secure = tls.connect(
        { ...tlsOptions(endpoint, settings), socket: plain as net.Socket },
        () => {
          upgrade.value = { ms: t(), facts: describeTls(secure) };
          onSecure();
        }
      );
      upgrade.value = { ms: 0 };
      // Re-measured on every error too, so a failed handshake still reports its duration.
      secure.once('error', () => (upgrade.value = { ms: t() }));
      holder.socket = secure;
      return secure as ImapTransportSocket;
    },
  };
}

export class ImapTranscript {
  /** when AUTHENTICATE/LOGIN was sent, ms since the session started */
  authStartedMs?: number;
  /** capabilities before login; after login servers drop the AUTH= entries */
  capabilities: string[] = [];
  private readonly elapsed = stopwatch();

  /** the first line the server sent (a greeting, or another protocol's banner) */
  firstServerLine?: string;

  attach(client: ImapFlow): void {
    client.on('log', (entry: { src?: string; msg?: unknown }) => {
      if (entry?.src === 's' && typeof entry.msg === 'string') {
        this.firstServerLine ??= entry.msg.slice(0, 200);
        return;
      }
      if (entry?.src !== 'c' || typeof entry.msg !== 'string') return;
      const verb = entry.msg.split(' ', 2)[1]?.toUpperCase();
      if ((verb === 'AUTHENTICATE' || verb === 'LOGIN') && this.authStartedMs === undefined) {
        this.authStartedMs = this.elapsed();
        this.capabilities = [...client.capabilities.keys()];
      }
    });
  }

  /** Capabilities as seen before login (falls back to the current list). */
  preAuthCapabilities(client: ImapFlow): string[] {
    return this.capabilities.length ? this.capabilities : [...client.capabilities.keys()];
  }
}

/**
 * imapflow ignores a greeting that is not IMAP (e.g. "220 … ESMTP" on an SMTP port) and
 * waits for its timeout; the first line tells what really answered.
 */
export function greetingError(err: unknown, transcript: ImapTranscript): unknown {
  const line = transcript.firstServerLine;
  if (!line || line.startsWith('*')) return err;
  return Object.assign(new Error(`Not an IMAP greeting: ${line}`), {
    code: 'EPROTOCOL',
    response: line,
  });
}

export function describeCapabilities(
  client: ImapFlow,
  capabilities: string[],
  oauth2: boolean
): { detail: string; warning?: string } {
  const mechanisms = capabilities.filter((c) => c.startsWith('AUTH=')).map((c) => c.slice(5));
  const others = capabilities.filter((c) => !c.startsWith('AUTH='));
  const server = client.serverInfo?.name ? `${client.serverInfo.name}; ` : '';
  const detail =
    `${server}${client.greeting ?? 'greeting received'}; capabilities: ${others.join(' ')}; ` +
    `AUTH: ${mechanisms.join(' ') || 'none offered'}`;
  let warning: string | undefined;
  if (oauth2 && !mechanisms.some((m) => m === 'XOAUTH2' || m === 'OAUTHBEARER')) {
    warning = 'neither XOAUTH2 nor OAUTHBEARER is offered, so the OAuth2 login will fail';
  } else if (capabilities.includes('LOGINDISABLED')) {
    warning = 'LOGINDISABLED: the server refuses logins on this unencrypted connection';
  }
  return { detail, warning };
}

export function isAuthFailure(err: unknown): boolean {
  return (
    !!err &&
    typeof err === 'object' &&
    (err as { authenticationFailed?: boolean }).authenticationFailed === true
  );
}

/** STATUS is enough to prove the mailbox exists and is readable, without selecting it. */
export async function mailboxStatus(client: ImapFlow, path: string, ms: number) {
  const status = await withTimeout(
    client.status(path, { messages: true, unseen: true }),
    ms,
    `STATUS ${path}`
  );
  if (status) return { messages: status.messages ?? 0, unseen: status.unseen ?? 0 };
  // Some servers refuse STATUS on special folders; opening read-only gives the same proof.
  const opened = await withTimeout(
    client.mailboxOpen(path, { readOnly: true }),
    ms,
    `EXAMINE ${path}`
  );
  await client.mailboxClose().catch(() => undefined);
  return { messages: opened.exists, unseen: 0 };
}

export async function closeImap(
  client: ImapFlow | undefined,
  loggedIn: boolean,
  holder: SocketHolder
) {
  if (!client) return holder.socket?.destroy();
  if (loggedIn && client.usable) {
    // LOGOUT is polite; a server that does not answer quickly is simply disconnected.
    await withTimeout(client.logout(), 2000, 'LOGOUT').catch(() => undefined);
  }
  client.close();
  holder.socket?.destroy();
}
