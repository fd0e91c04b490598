/**
 * The first steps of both probes — resolve, connect and (implicit) TLS — which do not depend
 * on the mail protocol. The socket that comes out is handed to nodemailer or imapflow.
 */
import type net from 'node:net';
import { describeAddresses, describeTls, openSocket, resolveHost, startTls } from '../connection';
import type { ProbeSteps } from './steps';
import type { Endpoint, MailAuth, TlsSettings } from '../types';

/**
 * Always points at the outermost socket, so the probe can destroy it whatever happened, and
 * keeps an error the socket raised before a protocol client took it over (e.g. while the
 * IMAP probe waits for an access token): without a listener that error would crash Node.
 */
export type SocketHolder = { socket?: net.Socket; error?: Error };

function hold(holder: SocketHolder, socket: net.Socket): void {
  holder.socket = socket;
  socket.on('error', (err) => (holder.error ??= err));
}

/** The reason the held socket cannot be handed over any more, if there is one. */
export function socketFailure(holder: SocketHolder): Error | undefined {
  if (holder.error) return holder.error;
  if (!holder.socket || holder.socket.destroyed) {
    return Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' });
  }
  return undefined;
}

export async function openConnection(
  input: { endpoint: Endpoint; tls?: TlsSettings; auth?: MailAuth },
  ms: number,
  steps: ProbeSteps,
  holder: SocketHolder
): Promise<net.Socket> {
  const { endpoint } = input;
  const addresses = await steps.run('resolve', () => resolveHost(endpoint.host, ms));
  steps.ok('resolve', describeAddresses(endpoint.host, addresses));

  const plain = await steps.run('connect', () =>
    openSocket(endpoint.host, endpoint.port, addresses, ms)
  );
  hold(holder, plain);
  steps.ok('connect', `connected to ${plain.remoteAddress} port ${plain.remotePort}`);

  if (endpoint.security === 'none') {
    steps.skip(
      'tls',
      input.auth
        ? 'not encrypted: the password and all mail travel in clear text'
        : 'not encrypted: all mail travels in clear text'
    );
    return plain;
  }
  if (endpoint.security === 'starttls') return plain;

  const secure = await steps.run('tls', () => startTls(plain, endpoint, input.tls, ms));
  hold(holder, secure);
  const facts = describeTls(secure);
  steps.ok('tls', facts.detail, facts.warning);
  return secure;
}
