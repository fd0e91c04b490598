/**
 * The network steps both probes share: resolve the host, open the TCP connection and do the
 * TLS handshake ourselves, so that each step is timed and reported on its own. The protocol
 * clients (nodemailer, imapflow) are then handed the ready socket.
 */
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import type { Endpoint, TlsSettings } from './types';

/** What a dead host costs at most: a TCP SYN that is never answered gives up within ~10 s. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A certificate that still works is reported as a warning when less than this is left, or
 * less than a third of its lifetime for short-lived certificates (ACME clients renew at that
 * point, so an older one means renewal is broken).
 */
const CERT_EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

/** An error that looks like Node's own timeouts, so diagnose() treats both the same way. */
export function timeoutError(what: string, ms: number): Error {
  return Object.assign(new Error(`${what} did not complete within ${ms} ms`), {
    code: 'ETIMEDOUT',
  });
}

/**
 * Bounds one phase. `onTimeout` releases whatever the phase holds (a socket, a client), so a
 * late answer cannot leak a connection.
 */
export function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(timeoutError(what, ms));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Every address of the host (A and AAAA), as the operating system resolves it. */
export async function resolveHost(host: string, ms: number): Promise<dns.LookupAddress[]> {
  const family = net.isIP(host);
  if (family) return [{ address: host, family }];
  const addresses = await withTimeout(
    dns.promises.lookup(host, { all: true }),
    ms,
    `DNS lookup of ${host}`
  );
  if (!addresses.length) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), {
      code: 'ENOTFOUND',
      hostname: host,
    });
  }
  return addresses;
}

/**
 * Opens a TCP connection to one of the resolved addresses. Node tries them in turn (happy
 * eyeballs), so a host whose IPv6 address is unreachable still connects over IPv4.
 */
export function openSocket(
  host: string,
  port: number,
  addresses: dns.LookupAddress[],
  ms: number
): Promise<net.Socket> {
  const lookup: net.LookupFunction = (_name, options, callback) => {
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  };
  const socket = net.connect({
    host,
    port,
    lookup,
    autoSelectFamily: addresses.length > 1,
    autoSelectFamilyAttemptTimeout: Math.max(250, Math.floor(ms / (addresses.length + 1))),
  });
  const connected = new Promise<net.Socket>((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
  return withTimeout(connected, ms, `Connecting to ${host}:${port}`, () => socket.destroy());
}

/**
 * TLS options with strict verification. Extra CAs are added to Node's public roots rather
 * than replacing them; without extra CAs Node's defaults (incl. NODE_EXTRA_CA_CERTS) apply.
 */
/** Older protocol versions are refused, on connections and on cached contexts alike. */
const MIN_TLS_VERSION = 'TLSv1.2';

export function tlsOptions(endpoint: Endpoint, settings?: TlsSettings): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = {
    host: endpoint.host,
    rejectUnauthorized: true,
    minVersion: MIN_TLS_VERSION,
  };
  // SNI must be a name; for an IP literal Node checks the certificate against `host` instead.
  if (!net.isIP(endpoint.host)) options.servername = endpoint.host;
  const extra = (settings?.ca ?? []).filter((pem) => pem.trim());
  if (extra.length) options.secureContext = contextTrusting(extra);
  return options;
}

/**
 * Building a context that trusts extra CAs parses the ~140 public roots again: ~25 ms of CPU
 * per connection. The few distinct CA lists a process sees (one per config) share one each.
 */
const contexts = new Map<string, tls.SecureContext>();
const MAX_CONTEXTS = 16;
function contextTrusting(extra: string[]): tls.SecureContext {
  const key = extra.join('\n');
  let context = contexts.get(key);
  if (!context) {
    context = tls.createSecureContext({
      ca: [...tls.rootCertificates, ...extra],
      minVersion: MIN_TLS_VERSION,
    });
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
    contexts.set(key, context);
  }
  return context;
}

/** Performs the TLS handshake over an open socket (implicit TLS or after STARTTLS). */
export function startTls(
  socket: net.Socket,
  endpoint: Endpoint,
  settings: TlsSettings | undefined,
  ms: number
): Promise<tls.TLSSocket> {
  const secure = tls.connect({ ...tlsOptions(endpoint, settings), socket });
  const handshake = new Promise<tls.TLSSocket>((resolve, reject) => {
    secure.once('secureConnect', () => {
      secure.off('error', reject);
      resolve(secure);
    });
    secure.once('error', reject);
  });
  return withTimeout(handshake, ms, 'TLS handshake', () => {
    secure.destroy();
    socket.destroy();
  });
}

export function describeAddresses(host: string, addresses: dns.LookupAddress[]): string {
  const list = addresses.map((a) => a.address).join(', ');
  return net.isIP(host) ? `${host} is an IP address, no lookup needed` : `${host} → ${list}`;
}

export type TlsFacts = { detail: string; warning?: string };

/** Protocol, cipher and certificate in one line, plus a warning when it expires soon. */
export function describeTls(socket: tls.TLSSocket): TlsFacts {
  const cert = socket.getPeerCertificate();
  const cipher = socket.getCipher();
  const parts = [`${socket.getProtocol() ?? 'TLS'} (${cipher?.standardName ?? cipher?.name})`];
  if (cert && Object.keys(cert).length) {
    const subject = nameOf(cert.subject) ?? cert.subjectaltname ?? 'unnamed subject';
    const issuer = nameOf(cert.issuer) ?? 'unknown issuer';
    parts.push(`certificate for ${subject} issued by ${issuer}, valid until ${cert.valid_to}`);
    const end = Date.parse(cert.valid_to);
    const lifetime = end - Date.parse(cert.valid_from);
    const left = end - Date.now();
    const days = Math.floor(left / DAY_MS);
    if (left < Math.min(CERT_EXPIRY_WARNING_DAYS * DAY_MS, lifetime / 3)) {
      return {
        detail: parts.join('; '),
        warning: `the certificate expires in ${days} day(s): renew it on the server`,
      };
    }
  }
  return { detail: parts.join('; ') };
}

function nameOf(name: tls.Certificate | undefined): string | undefined {
  if (!name) return undefined;
  const pick = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return pick(name.CN) ?? pick(name.O);
}
