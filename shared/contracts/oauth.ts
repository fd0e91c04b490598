/**
 * The OAuth2 (Microsoft 365) routes: status of each section's token, "Connect account"
 * (authorization code grant) and Disconnect. Shared by the admin page and the server. Nothing
 * here ever carries a secret, an access token or a refresh token.
 */
import { z } from 'zod';
import { OAUTH2_GRANTS } from './settings';

export const oauthSectionSchema = z.enum(['smtp', 'imap']);
export type OAuthSection = z.infer<typeof oauthSectionSchema>;

/** `POST /mail-server/oauth/:section/connect` */
export const oauthConnectResultSchema = z.object({
  /** the identity platform's sign-in page: navigate the browser there */
  authorizeUrl: z.url(),
  /** must be registered in the app registration (Authentication → Web → Redirect URIs) */
  redirectUri: z.url(),
});
export type OAuthConnectResult = z.infer<typeof oauthConnectResultSchema>;

/** What Microsoft sends back to `GET /mail-server/oauth/callback`; other parameters are ignored. */
export const oauthCallbackQuerySchema = z.object({
  code: z.string().max(8192).optional(),
  state: z.string().max(4096).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(4000).optional(),
});

/** The admin page is opened with `?oauth=<outcome>&section=<section>&code=<error code>`. */
export const OAUTH_OUTCOMES = ['connected', 'failed'] as const;

export const oauthErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  diagnosis: z.string(),
  fix: z.string().optional(),
  /** the identity platform's answer, e.g. "invalid_client: AADSTS7000215: …" */
  response: z.string().optional(),
  at: z.string(),
});

export const oauthWarningSchema = z.object({
  /**
   * EOAUTH2: the token cannot be renewed; ESTALE: the refresh token has been idle for long;
   * EACCOUNT: SMTP logs in as another user than the connected account (Exchange refuses that)
   */
  code: z.enum(['EOAUTH2', 'ESTALE', 'EACCOUNT']),
  message: z.string(),
  fix: z.string().optional(),
});

export const oauthSectionStatusSchema = z.object({
  enabled: z.boolean(),
  grant: z.enum(OAUTH2_GRANTS),
  /** authorization code grant: the connected account; null when none for this app registration */
  connection: z
    .object({
      account: z.string(),
      connectedAt: z.string().nullable(),
      /** last time a token was obtained with the refresh token (or the sign-in) */
      lastRenewedAt: z.string().nullable(),
    })
    .nullable(),
  /** this Strapi instance's token: when it was renewed and until when it is valid */
  token: z
    .object({
      requests: z.number(),
      lastRenewedAt: z.string().optional(),
      expiresAt: z.string().optional(),
    })
    .nullable(),
  /** the last failure: a token request, the Connect flow, or the background check */
  lastError: oauthErrorSchema.nullable(),
  warnings: z.array(oauthWarningSchema),
  /** when the background check last ran for this section, and whether it got a token */
  lastCheck: z.object({ at: z.string(), ok: z.boolean() }).nullable(),
});

/** `GET /mail-server/oauth/status` */
export const oauthStatusSchema = z.object({
  smtp: oauthSectionStatusSchema,
  imap: oauthSectionStatusSchema,
  /** the redirect URI to register for "Connect account" */
  redirectUri: z.url(),
});

export type OAuthSectionStatus = z.infer<typeof oauthSectionStatusSchema>;
export type OAuthStatus = z.infer<typeof oauthStatusSchema>;
export type OAuthWarning = z.infer<typeof oauthWarningSchema>;
