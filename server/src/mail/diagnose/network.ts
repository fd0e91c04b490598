/**
 * Classifiers for what goes wrong around the connection: DNS, TCP and timeouts (TLS has its
 * own file). Each returns a Finding or undefined ("not mine").
 */
import {
  hasCode,
  implicitTlsPort,
  label,
  usualPorts,
  where,
  type DiagnoseContext,
  type Facts,
  type Finding,
} from './facts';

const DNS_MISSING = ['ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA', 'ENODATA', 'EAI_FAIL', 'EDNS'];
const DNS_TEMPORARY = ['EAI_AGAIN', 'ESERVFAIL', 'ECONNREFUSED', 'ETIMEOUT'];

export function dnsFinding(f: Facts, ctx: DiagnoseContext): Finding | undefined {
  const fromResolver = /^(getaddrinfo|query)/.test(f.syscall ?? '') || f.codes.has('EDNS');
  const host = ctx.endpoint.host;
  if (fromResolver && hasCode(f, ...DNS_TEMPORARY)) {
    return {
      code: 'EDNS',
      diagnosis: `The DNS lookup of ${host} failed temporarily: no name server answered.`,
      fix: 'Check the DNS settings and internet access of the Strapi server, then try again.',
    };
  }
  if (hasCode(f, ...DNS_MISSING)) {
    return {
      code: 'EDNS',
      diagnosis: `The host name ${host} does not exist in DNS: no address was found for it.`,
      fix: `Check the spelling of the host name (Microsoft 365: smtp.office365.com for SMTP, outlook.office365.com for IMAP). On the Strapi server, \`nslookup ${host}\` must return an address.`,
    };
  }
  return undefined;
}

const TIMEOUTS = [
  'ETIMEDOUT',
  'ETIMEOUT',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'SOCKET_TIMEOUT',
];

export function timeoutFinding(f: Facts, ctx: DiagnoseContext): Finding | undefined {
  if (!hasCode(f, ...TIMEOUTS)) return undefined;
  const { port, security } = ctx.endpoint;
  const step = hasCode(f, 'GREETING_TIMEOUT')
    ? 'greeting'
    : hasCode(f, 'UPGRADE_TIMEOUT')
      ? 'tls'
      : ctx.step;
  switch (step) {
    case 'resolve':
      return {
        code: 'ETIMEDOUT',
        diagnosis: `The DNS lookup of ${ctx.endpoint.host} did not finish in time.`,
        fix: 'Check the DNS settings of the Strapi server.',
      };
    case 'connect':
      return {
        code: 'ETIMEDOUT',
        diagnosis: `No answer from ${where(ctx)}: a firewall silently drops the connection, or the host is down.`,
        fix: `Check host and port, and that the Strapi server may open outbound connections to port ${port} (firewall, security group, hosting provider). ${usualPorts(ctx.protocol)}.`,
      };
    case 'tls':
      return {
        code: 'ETIMEDOUT',
        diagnosis: `The TLS handshake with ${where(ctx)} did not complete in time.`,
        fix: `Check the security setting against the port. ${usualPorts(ctx.protocol)}.`,
      };
    case 'greeting': {
      const tlsPort = implicitTlsPort(ctx.protocol);
      const expectsTls = security !== 'tls' && port === tlsPort;
      return {
        code: 'ETIMEDOUT',
        diagnosis: expectsTls
          ? `Connected, but no greeting arrived: port ${port} expects SSL/TLS from the first byte.`
          : `Connected to ${where(ctx)}, but the server sent no ${label(ctx.protocol)} greeting in time.`,
        fix: expectsTls
          ? `Choose SSL/TLS for port ${port}.`
          : `If this port expects SSL/TLS from the first byte (usually ${tlsPort}), choose SSL/TLS; otherwise check that it is the ${label(ctx.protocol)} port. ${usualPorts(ctx.protocol)}.`,
      };
    }
    default:
      return {
        code: 'ETIMEDOUT',
        diagnosis: `The server at ${where(ctx)} stopped answering during the ${step} step.`,
        fix: 'Try again; if it persists, the server is overloaded or a firewall cuts idle connections.',
      };
  }
}

export function connectionFinding(f: Facts, ctx: DiagnoseContext): Finding | undefined {
  if (f.codes.has('ECONNREFUSED')) {
    return {
      code: 'ECONNECTION',
      diagnosis: `Nothing accepts connections on ${where(ctx)} (connection refused): the port is wrong or the mail service is not running.`,
      fix: `Check the port and that the server is running; a firewall may also reject the connection. ${usualPorts(ctx.protocol)}.`,
    };
  }
  if (hasCode(f, 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENETDOWN')) {
    return {
      code: 'ECONNECTION',
      diagnosis: `There is no network route from the Strapi server to ${ctx.endpoint.host}.`,
      fix: `Check the host name and the network/firewall of the Strapi server for outbound port ${ctx.endpoint.port}.`,
    };
  }
  const closed = [
    'ECONNRESET',
    'EPIPE',
    'ECONNECTION',
    'ESOCKET',
    'NOCONNECTION',
    'ECONNECTIONCLOSED',
  ];
  if (
    hasCode(f, ...closed, 'CLOSEDAFTERCONNECTTEXT', 'CLOSEDAFTERCONNECTTLS') ||
    f.responseCode === 421
  ) {
    const early = ['resolve', 'connect', 'tls', 'greeting'].includes(ctx.step);
    if (f.responseCode === 421) {
      return {
        code: 'ECONNECTION',
        diagnosis: `The server at ${where(ctx)} refused service for now (${f.response ?? '421'}): too many connections, rate limiting, or maintenance.`,
        fix: 'Wait a few minutes and try again; if it persists, ask the provider whether your IP address is throttled.',
      };
    }
    return {
      code: 'ECONNECTION',
      diagnosis: early
        ? `The server at ${where(ctx)} closed the connection before its greeting: it may limit connections from this IP address, expect another security setting, or not be a ${label(ctx.protocol)} port.`
        : `The server at ${where(ctx)} closed the connection unexpectedly during the ${ctx.step} step.`,
      fix: early
        ? `Check the port, the security setting and firewalls. ${usualPorts(ctx.protocol)}.`
        : 'Try again; if it persists, check the server log for the reason (e.g. too many failed logins).',
    };
  }
  return undefined;
}
