/**
 * Tests run without the internet: every server they talk to is on loopback (Dovecot, SMTP, the
 * local identity platform). Importing this module makes any other TCP connection or UDP send
 * from this process fail, loudly: the socket errors with ENOINTERNET, a line goes to stderr
 * (not through console.*, which the Strapi helper captures), and the attempt is recorded so a
 * suite can assert `blockedConnections()` is empty — a library may swallow the error (MSAL turns
 * it into a diagnosis), the record cannot be swallowed. A lookup of a public name counts too.
 *
 * It guards the sockets Node creates (net, tls, http, https, undici's fetch, dgram) and DNS
 * lookups through `dns`; it cannot see native code that opens sockets itself.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

// Kept on the shared `dns` module rather than in this module: jest gives every test file its
// own copy of this module, but Node's core modules (which the guard patches) once per process.
const FLAG = Symbol.for('mail-server.no-internet');
type GuardState = { installed: boolean; blocked: string[] };
const shared = dns as unknown as Record<symbol, GuardState | undefined>;
const state: GuardState = (shared[FLAG] ??= { installed: false, blocked: [] });
const blocked = state.blocked;

/** RFC 6761: `.invalid` never resolves; answer as a resolver would, without asking one. */
const isInvalid = (host: string) => /(^|\.)invalid\.?$/i.test(host);
function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname,
  });
}

export function isLoopback(host: string | undefined | null): boolean {
  if (!host) return true; // Node's default host is localhost
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

function refuse(what: string): NodeJS.ErrnoException {
  blocked.push(what);
  process.stderr.write(`\n[no-internet] BLOCKED ${what}: tests must not leave loopback\n`);
  return Object.assign(new Error(`[no-internet] ${what} blocked: tests must not leave loopback`), {
    code: 'ENOINTERNET',
  });
}

/** Every connection attempt refused so far (`host:port`), in order. */
export function blockedConnections(): string[] {
  return [...blocked];
}

/**
 * The attempts refused so far, forgotten once taken: for a test whose point is an attempt that
 * would leave loopback (refused here, before any packet), so that the suites run after it in
 * the same process still see only their own.
 */
export function takeBlockedConnections(): string[] {
  return blocked.splice(0);
}

function target(args: unknown[]): { host?: string; port?: unknown; path?: string } {
  // net.connect() passes its normalized arguments as an array; users pass them spread.
  const list = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const first = list[0];
  if (first && typeof first === 'object') {
    const o = first as { host?: string; port?: unknown; path?: string };
    return { host: o.host, port: o.port, path: o.path };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { port: first, host: typeof list[1] === 'string' ? list[1] : undefined };
  }
  return typeof first === 'string' ? { path: first } : {};
}

function install(): void {
  if (state.installed) return;
  state.installed = true;

  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const { host, port, path } = target(args);
    if (!path && !isLoopback(host)) {
      const err = refuse(`connection to ${host}:${String(port)}`);
      // Asynchronous, like a real connection failure, so callers handle it where they expect.
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;

  const send = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
    const host = args.find((a, i) => i > 0 && typeof a === 'string') as string | undefined;
    if (host && !isLoopback(host)) throw refuse(`UDP datagram to ${host}`);
    return (send as (...a: unknown[]) => void).apply(this, args);
  } as typeof dgram.Socket.prototype.send;

  const lookup = dns.lookup;
  const guarded = function (hostname: string, ...rest: unknown[]) {
    if (isInvalid(hostname)) {
      const cb = rest[rest.length - 1];
      if (typeof cb === 'function')
        process.nextTick(() => (cb as (e: Error) => void)(notFound(hostname)));
      return;
    }
    if (!isLoopback(hostname)) {
      const err = refuse(`DNS lookup of ${hostname}`);
      const cb = rest[rest.length - 1];
      if (typeof cb === 'function') process.nextTick(() => (cb as (e: Error) => void)(err));
      return;
    }
    return (lookup as (...a: unknown[]) => void).call(dns, hostname, ...rest);
  };
  (dns as { lookup: unknown }).lookup = guarded;
  const lookupAsync = dns.promises.lookup;
  (dns.promises as { lookup: unknown }).lookup = (hostname: string, ...rest: unknown[]) =>
    isInvalid(hostname)
      ? Promise.reject(notFound(hostname))
      : isLoopback(hostname)
        ? (lookupAsync as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest)
        : Promise.reject(refuse(`DNS lookup of ${hostname}`));
}

install();
