/**
 * Classifier for TLS failures: untrusted, mismatching or expired certificates, implicit TLS
 * against a plain-text port, outdated TLS versions and a missing STARTTLS.
 */
import {
  hasCode,
  implicitTlsPort,
  isPlainFirstPort,
  label,
  usualPorts,
  where,
  type DiagnoseContext,
  type Facts,
  type Finding,
} from './facts';

const UNTRUSTED = [
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'INVALID_CA',
  'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED',
];
const WRONG_PORT = [
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
];
const OLD_TLS = [
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
];

const TRUST_FIX =
  'If the mail server uses a certificate from a private or company CA, add that CA certificate (PEM) to the trusted certificates of this section; otherwise install a certificate from a public CA on the mail server. Verification is never switched off.';

export function tlsFinding(f: Facts, ctx: DiagnoseContext): Finding | undefined {
  const host = ctx.endpoint.host;
  if (hasCode(f, ...UNTRUSTED)) {
    const why = hasCode(f, 'DEPTH_ZERO_SELF_SIGNED_CERT')
      ? 'is self-signed'
      : hasCode(f, 'SELF_SIGNED_CERT_IN_CHAIN')
        ? 'is issued by a root CA that is not trusted here (a private or company CA)'
        : 'is issued by an unknown CA, or the server does not send its intermediate certificate';
    return { code: 'ETLS', diagnosis: `The certificate of ${host} ${why}.`, fix: TRUST_FIX };
  }
  if (hasCode(f, 'ERR_TLS_CERT_ALTNAME_INVALID')) {
    const names = f.certNames ? ` It is valid for: ${f.certNames}.` : '';
    return {
      code: 'ETLS',
      diagnosis: `The certificate presented by the server is not valid for the name ${host}.${names}`,
      fix: 'Enter the host name the certificate was issued for (not an IP address or an alias), or have the certificate reissued with this name.',
    };
  }
  if (hasCode(f, 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID')) {
    const expired = hasCode(f, 'CERT_HAS_EXPIRED');
    return {
      code: 'ETLS',
      diagnosis: expired
        ? `The certificate of ${host} has expired${f.certValidTo ? ` (valid until ${f.certValidTo})` : ''}.`
        : `The certificate of ${host} is not valid yet.`,
      fix: expired
        ? 'Renew the certificate on the mail server.'
        : 'Check the clock of the Strapi server and of the mail server.',
    };
  }
  const garbage = /wrong version number|packet length too long|http request|unknown protocol/i;
  if (hasCode(f, ...WRONG_PORT) || garbage.test(f.message)) return plainTextPort(ctx);
  if (hasCode(f, ...OLD_TLS) || /unsupported protocol|protocol version/i.test(f.message)) {
    return {
      code: 'ETLS',
      diagnosis: `The server at ${where(ctx)} only offers TLS versions older than 1.2, which are refused as insecure.`,
      fix: 'Enable TLS 1.2 or 1.3 on the mail server.',
    };
  }
  if (/handshake failure|no shared cipher/i.test(f.message)) {
    return {
      code: 'ETLS',
      diagnosis: `The TLS handshake with ${where(ctx)} failed: no common cipher, or the server expects a client certificate.`,
      fix: 'Check the TLS configuration of the mail server (TLS 1.2+ with modern ciphers).',
    };
  }
  if (f.command === 'STARTTLS' || /does not support STARTTLS/i.test(f.message)) {
    return starttlsMissing(f, ctx);
  }
  if (/before secure TLS connection was established/i.test(f.message)) {
    return {
      code: 'ETLS',
      diagnosis: `The server at ${where(ctx)} closed the connection during the TLS handshake: it may not speak TLS on this port.`,
      fix: `Check the security setting against the port. ${usualPorts(ctx.protocol)}.`,
    };
  }
  if (f.tlsFailed || f.codes.has('ETLS') || f.codes.has('STARTTLS_INJECTION')) {
    return {
      code: 'ETLS',
      diagnosis: `The TLS connection to ${where(ctx)} could not be established.`,
      fix: `Check the security setting against the port. ${usualPorts(ctx.protocol)}.`,
    };
  }
  return undefined;
}

/** "Implicit TLS against a plain-text port": the server's text greeting reached OpenSSL. */
function plainTextPort(ctx: DiagnoseContext): Finding {
  const { port } = ctx.endpoint;
  const tlsPort = implicitTlsPort(ctx.protocol);
  return {
    code: 'ETLS',
    diagnosis: isPlainFirstPort(ctx.protocol, port)
      ? `Port ${port} speaks plain text first, so SSL/TLS from the first byte cannot work there.`
      : `The server at ${where(ctx)} answered in plain text where a TLS handshake was expected: this port speaks plain text first.`,
    fix: `Choose STARTTLS for port ${port}, or keep SSL/TLS and use port ${tlsPort}.`,
  };
}

function starttlsMissing(f: Facts, ctx: DiagnoseContext): Finding {
  const tlsPort = implicitTlsPort(ctx.protocol);
  if (f.responseCode === 454) {
    return {
      code: 'ETLS',
      diagnosis: `The server at ${where(ctx)} offers STARTTLS but cannot start it right now (${f.response ?? '454'}); usually its own certificate is missing or broken.`,
      fix: 'Ask the mail server administrator to check its TLS certificate configuration.',
    };
  }
  return {
    code: 'ETLS',
    diagnosis: `The ${label(ctx.protocol)} server at ${where(ctx)} does not offer STARTTLS, so the connection cannot be encrypted on this port.`,
    fix: `Choose SSL/TLS with port ${tlsPort} if the server offers it. Choose "none" only on a trusted network: the password would travel in clear text.`,
  };
}
