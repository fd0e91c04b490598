/**
 * Certificate credentials for Microsoft Entra ID: the app proves itself with a JWT signed by its
 * private key (a client assertion) instead of a client secret; Entra checks it against the
 * certificate uploaded to the app registration, found by its SHA-256 thumbprint.
 * https://learn.microsoft.com/entra/identity-platform/certificate-credentials
 *
 * A fresh assertion (new `jti`) for every token request: MSAL's own `clientCertificate` reuses
 * one for ten minutes, which an identity platform that refuses a replayed `jti` would reject.
 */
import crypto from 'node:crypto';
import { MailError } from '../errors';

export interface ClientCertificate {
  /** PKCS#8 PEM */
  privateKey: crypto.KeyObject;
  /** the leaf certificate, DER base64 (the `x5c` header) */
  x5c: string;
  /** SHA-256 of the DER certificate, hex upper case (as the Entra portal shows it) */
  thumbprintSha256: string;
  /** SHA-1 thumbprint, for the portal's older "Thumbprint" column */
  thumbprintSha1: string;
  notAfter: Date;
}

const invalid = (diagnosis: string, fix: string) =>
  new MailError('ECONFIG', diagnosis, { diagnosis, fix, reason: 'certificate-invalid' });

/**
 * Reads a PEM bundle: one private key (PKCS#8, PKCS#1 or EC) and the certificate it belongs to
 * (the first CERTIFICATE block; a chain after it is ignored). Throws ECONFIG saying what is wrong.
 */
export function parseClientCertificate(pem: string): ClientCertificate {
  const certBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const keyBlock =
    /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(
      pem
    )?.[0];
  const fix =
    'Paste the private key (-----BEGIN PRIVATE KEY-----) and its certificate (-----BEGIN CERTIFICATE-----) in PEM form, the certificate being the one uploaded under Certificates & secrets.';
  if (!certBlock) throw invalid('No certificate (BEGIN CERTIFICATE) was found.', fix);
  if (!keyBlock) throw invalid('No private key (BEGIN PRIVATE KEY) was found.', fix);
  if (keyBlock.includes('ENCRYPTED')) {
    throw invalid(
      'The private key is protected by a passphrase.',
      'Export the key without a passphrase (e.g. `openssl pkey -in key.pem -out plain.pem`); it is stored encrypted.'
    );
  }
  let cert: crypto.X509Certificate;
  let privateKey: crypto.KeyObject;
  try {
    cert = new crypto.X509Certificate(certBlock);
  } catch {
    throw invalid('The certificate cannot be read.', fix);
  }
  try {
    privateKey = crypto.createPrivateKey(keyBlock);
  } catch {
    throw invalid('The private key cannot be read.', fix);
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw invalid(
      `The key is ${privateKey.asymmetricKeyType?.toUpperCase() ?? 'of an unknown type'}; Microsoft Entra ID takes RSA certificates.`,
      'Create an RSA certificate (2048 bits or more) and upload it to the app registration.'
    );
  }
  if (!cert.checkPrivateKey(privateKey)) {
    throw invalid(
      'The private key does not belong to the certificate.',
      'Paste the key and the certificate of the same pair.'
    );
  }
  const der = cert.raw;
  return {
    privateKey,
    x5c: der.toString('base64'),
    thumbprintSha256: crypto.createHash('sha256').update(der).digest('hex').toUpperCase(),
    thumbprintSha1: crypto.createHash('sha1').update(der).digest('hex').toUpperCase(),
    notAfter: new Date(cert.validTo),
  };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * The client assertion for one token request: PS256 with `x5t#S256`, the claims Entra
 * requires (aud = the token endpoint, iss = sub = the client ID, a fresh jti, nbf, exp).
 */
export function clientAssertion(
  cert: ClientCertificate,
  clientId: string,
  tokenEndpoint: string,
  now = Date.now()
): string {
  const header = {
    alg: 'PS256',
    typ: 'JWT',
    'x5t#S256': b64url(Buffer.from(cert.thumbprintSha256, 'hex')),
    x5c: [cert.x5c],
  };
  const iat = Math.floor(now / 1000);
  const payload = {
    aud: tokenEndpoint,
    iss: clientId,
    sub: clientId,
    jti: crypto.randomUUID(),
    nbf: iat,
    iat,
    exp: iat + 600,
  };
  const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = crypto.sign('sha256', Buffer.from(signed), {
    key: cert.privateKey,
    padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  return `${signed}.${b64url(signature)}`;
}
