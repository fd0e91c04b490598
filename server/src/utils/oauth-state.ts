/**
 * The two values that carry the "Connect account" flow across the trip to Microsoft:
 * - `state` (in the URL, comes back from Microsoft): which section, which admin and which
 *   admin session started it, the redirect URI, the app registration, and an expiry;
 * - a cookie (HttpOnly, SameSite=Lax, path /mail-server/oauth) with the same nonce and the
 *   PKCE verifier, so the callback only succeeds in the browser that started the flow.
 * Both are sealed with the secrets service (AES-256-GCM: authenticated, hence signed, and
 * unreadable, so neither the admin's ids nor the verifier show in Microsoft's logs).
 */
import { z } from 'zod';

export const STATE_TTL_MS = 10 * 60_000;
export const cookieName = (kind: 'smtp' | 'imap') => `mail_server_oauth_${kind}`;

const kind = z.enum(['smtp', 'imap']);

export const statePayloadSchema = z.object({
  v: z.literal(1),
  /** section */
  k: kind,
  /** admin user id */
  u: z.union([z.number(), z.string()]),
  /** admin session id (Strapi session manager), when there is one */
  s: z.string().nullable(),
  /** nonce shared with the cookie */
  n: z.string().min(16),
  /** expiry, ms since epoch */
  e: z.number(),
  /** redirect URI used for the authorize request; the token request must repeat it */
  r: z.url(),
  /** app registration the flow was started for */
  a: z.string(),
});

export const cookiePayloadSchema = z.object({
  k: kind,
  n: z.string().min(16),
  v: z.string().min(43),
});

export type StatePayload = z.infer<typeof statePayloadSchema>;
export type CookiePayload = z.infer<typeof cookiePayloadSchema>;

type Crypto = { encrypt(plain: string): string; decrypt(sealed: string): string };

export function seal(crypto: Crypto, payload: object): string {
  return Buffer.from(crypto.encrypt(JSON.stringify(payload)), 'utf8').toString('base64url');
}

/** The payload, or null when the value is missing, forged, altered or not ours. */
export function unseal<T extends z.ZodType>(
  crypto: Crypto,
  schema: T,
  value: string | undefined
): z.infer<T> | null {
  if (!value || value.length > 4096) return null;
  try {
    const plain = crypto.decrypt(Buffer.from(value, 'base64url').toString('utf8'));
    const parsed = schema.safeParse(JSON.parse(plain));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
