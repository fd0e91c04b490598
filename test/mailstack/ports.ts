/**
 * Port helpers. Every server of the stack listens on 127.0.0.1 on a port chosen at start, so
 * several stacks (parallel test files) and a system mail server never collide.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * The kernel's ephemeral range, which outgoing connections (our own test clients included) take
 * their local ports from. Ports handed out by `listen(0)` come from the same range, so a port we
 * probed and released can be grabbed by a client connection before Dovecot binds it.
 */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (lo && hi) return [lo, hi];
  } catch {
    /* not Linux */
  }
  return [32768, 60999];
}

function bind(server: net.Server, host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => resolve(true));
  });
}

/**
 * Picks `count` distinct free ports. Random ports below the ephemeral range are tried first (no
 * client connection can occupy them, and two stacks rarely pick the same one); listen(0) is the
 * fallback. Every probe server stays open until all ports are known, then all are closed. A small
 * window remains before the real servers bind; startMailStack retries on EADDRINUSE.
 */
export async function findFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10000;
  const high = Math.max(low + 1000, ephemeralLow) - 1;
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let attempts = 0; ports.length < count && attempts < count * 20; attempts++) {
      const port = low + randomInt(high - low + 1);
      if (ports.includes(port)) continue;
      const server = net.createServer();
      if (await bind(server, host, port)) {
        servers.push(server);
        ports.push(port);
      }
    }
    while (ports.length < count) {
      const server = net.createServer();
      if (!(await bind(server, host, 0))) throw new Error(`cannot listen on ${host}`);
      servers.push(server);
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Did something fail because a port was taken meanwhile? (startMailStack then retries) */
export function isAddressInUse(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'EADDRINUSE' || /EADDRINUSE|Address already in use/.test(String(e?.message));
}

/** Resolves true when a TCP connection to host:port succeeds, false when it is refused. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls until every endpoint accepts connections. `failed()` is asked between rounds so a server
 * that died during start-up is reported at once instead of after the timeout.
 */
export async function waitForPorts(
  endpoints: Array<{ host: string; port: number }>,
  opts: { timeoutMs: number; failed?: () => string | undefined }
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let pending = [...endpoints];
  for (;;) {
    const results = await Promise.all(pending.map((e) => canConnect(e.host, e.port, 500)));
    pending = pending.filter((_, i) => !results[i]);
    if (pending.length === 0) return;
    const failure = opts.failed?.();
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) {
      const list = pending.map((e) => `${e.host}:${e.port}`).join(', ');
      throw new Error(`${list} not accepting connections after ${opts.timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

let aliasCheck: Promise<boolean> | undefined;

/**
 * Can a server listen on `alias` (e.g. 127.0.0.2) and see connections to it arrive from a
 * different address (127.0.0.1, the kernel's source for loopback)? True on Linux, where all of
 * 127/8 is local; false on systems that only configure 127.0.0.1.
 */
export function loopbackAliasUsable(alias: string, from = '127.0.0.1'): Promise<boolean> {
  aliasCheck ??= new Promise<boolean>((resolve) => {
    const server = net.createServer((socket) => {
      const ok = socket.remoteAddress === from;
      socket.destroy();
      server.close();
      resolve(ok);
    });
    server.once('error', () => resolve(false));
    server.listen({ host: alias, port: 0 }, () => {
      const port = (server.address() as net.AddressInfo).port;
      const client = net.connect({ host: alias, port });
      client.on('error', () => {
        server.close();
        resolve(false);
      });
    });
  });
  return aliasCheck;
}
