/**
 * Certificate credentials at the local identity platform, as Entra checks them
 * (https://learn.microsoft.com/entra/identity-platform/certificate-credentials): the client
 * assertion is a JWT signed with the key of a certificate registered on the app (found by its
 * `x5t#S256` or `x5t` thumbprint), for the token endpoint (`aud`), issued and subject the
 * client ID, inside its time range; each `jti` is accepted once (stricter than Entra documents,
 * so a client that replays an assertion is caught here).
 */
import { X509Certificate, createHash } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify, errors as joseErrors } from 'jose';
import { EntraError } from './identity-errors';
import type { IdentityClient } from './types';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const invalidClient = (code: number, text: string) =>
  new EntraError(401, 'invalid_client', code, text);

/** The thumbprints of a PEM certificate, base64url as JWT headers carry them. */
export function thumbprints(pem: string) {
  const der = new X509Certificate(pem).raw;
  return {
    sha256: createHash('sha256').update(der).digest('base64url'),
    sha1: createHash('sha1').update(der).digest('base64url'),
  };
}

export function createAssertionVerifier() {
  const seen = new Map<string, number>();

  return async function verify(
    client: IdentityClient,
    assertion: string,
    tokenEndpoint: string
  ): Promise<void> {
    const certificates = client.certificates ?? [];
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      throw invalidClient(50027, 'JWT token is invalid or malformed.');
    }
    const x5t256 = header['x5t#S256'] as string | undefined;
    const registered = certificates.find((pem) => {
      const t = thumbprints(pem);
      return x5t256 ? t.sha256 === x5t256 : t.sha1 === header.x5t;
    });
    if (!registered) {
      throw invalidClient(
        700027,
        `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${x5t256 ?? header.x5t ?? ''}']`
      );
    }
    const alg = header.alg === 'RS256' ? 'RS256' : 'PS256';
    try {
      const { payload } = await jwtVerify(assertion, await importX509(registered, alg), {
        algorithms: ['PS256', 'RS256'],
        clockTolerance: 0,
      });
      if (payload.iss !== client.clientId || payload.sub !== client.clientId) {
        throw invalidClient(
          700021,
          "Client assertion application identifier doesn't match 'client_id' parameter."
        );
      }
      if (payload.aud !== tokenEndpoint) {
        throw invalidClient(
          50027,
          `JWT token is invalid or malformed: the audience '${String(payload.aud)}' is not the token endpoint '${tokenEndpoint}'.`
        );
      }
      if (typeof payload.jti !== 'string' || !payload.exp) {
        throw invalidClient(50027, 'JWT token is invalid or malformed: jti and exp are required.');
      }
      const now = Date.now() / 1000;
      for (const [jti, exp] of seen) if (exp < now) seen.delete(jti);
      if (seen.has(payload.jti)) {
        throw invalidClient(
          50027,
          `JWT token is invalid or malformed: jti '${payload.jti}' was used before.`
        );
      }
      seen.set(payload.jti, payload.exp);
    } catch (err) {
      if (err instanceof EntraError) throw err;
      if (err instanceof joseErrors.JWTExpired || (err as { claim?: string }).claim === 'nbf') {
        throw invalidClient(700024, 'Client assertion is not within its valid time range.');
      }
      throw invalidClient(700027, 'Client assertion failed signature validation.');
    }
  };
}
