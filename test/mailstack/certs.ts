/**
 * A throw-away certificate authority and one server certificate for every TLS endpoint of the
 * stack (IMAP, SMTP, identity platform). Clients verify strictly by trusting `caPem`, so tests
 * exercise the same certificate checks as production and never need rejectUnauthorized: false.
 *
 * Generated with the openssl CLI (always present where Dovecot is) using EC P-256 keys: two
 * `openssl req` calls take ~15 ms, where RSA would take far longer.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificates {
  caPem: string;
  caFile: string;
  certPem: string;
  certFile: string;
  keyPem: string;
  keyFile: string;
}

/** Creates `<dir>/ca.pem`, `<dir>/server.pem` and `<dir>/server.key` (SAN localhost, 127.0.0.1). */
export async function createCertificates(dir: string): Promise<Certificates> {
  await fs.mkdir(dir, { recursive: true });
  const caFile = path.join(dir, 'ca.pem');
  const caKey = path.join(dir, 'ca.key');
  const certFile = path.join(dir, 'server.pem');
  const keyFile = path.join(dir, 'server.key');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

  // The CA: only allowed to sign certificates. The random suffix keeps two stacks' CAs apart.
  const caName = `/CN=mailstack test CA ${process.pid}-${Date.now().toString(36)}`;
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '7',
    '-subj',
    caName,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  // The server certificate, signed by the CA in one step (`req -x509 -CA`, OpenSSL >= 3.0).
  // Both names clients use (localhost and 127.0.0.1) are in subjectAltName.
  await run('openssl', [
    'req',
    '-x509',
    '-CA',
    caFile,
    '-CAkey',
    caKey,
    ...ec,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '7',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  // Nothing else may be signed by this CA: drop its key now.
  await fs.rm(caKey, { force: true });
  await fs.chmod(keyFile, 0o600);

  const [caPem, certPem, keyPem] = await Promise.all(
    [caFile, certFile, keyFile].map((f) => fs.readFile(f, 'utf8'))
  );
  return { caPem, caFile, certPem, certFile, keyPem, keyFile };
}

/**
 * An app registration's certificate credential, as an admin makes one (`openssl req -x509
 * -newkey rsa:2048`): self-signed RSA, as Entra takes them. `bundle` is what the admin pastes
 * (key then certificate); `certificate` is what is uploaded to the app registration.
 */
export async function createClientCertificate(
  dir: string,
  name = 'app'
): Promise<{ bundle: string; certificate: string; key: string }> {
  await fs.mkdir(dir, { recursive: true });
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.pem`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
  const [key, certificate] = await Promise.all([
    fs.readFile(keyFile, 'utf8'),
    fs.readFile(certFile, 'utf8'),
  ]);
  await fs.rm(keyFile);
  return { bundle: `${key}${certificate}`, certificate, key };
}
