/**
 * The contract of the real mail test stack. Every suite that needs mail servers calls
 * `startMailStack()` in its `before` hook and `stack.stop()` in its `after` hook.
 * Everything listens on 127.0.0.1 only, all state lives under `dir`, nothing survives stop().
 */
export interface MailUser {
  /** login name, also the mailbox address, e.g. `editor@example.test` */
  address: string;
  password: string;
  /** a policy requires multi-factor authentication: the password grant answers AADSTS50076 */
  mfaRequired?: boolean;
}

export interface MailStackOptions {
  /** SASL mechanisms Dovecot offers; `['xoauth2']` mimics Office 365. Default plain login xoauth2 oauthbearer. */
  imapMechanisms?: Array<'plain' | 'login' | 'xoauth2' | 'oauthbearer'>;
  /** lifetime of access tokens issued by the identity platform, seconds (default 3600) */
  tokenLifetimeSec?: number;
  /** extra users besides the defaults */
  users?: MailUser[];
  /**
   * `aud` that IMAP (Dovecot) and SMTP require in access tokens, like Exchange Online.
   * Default `https://outlook.office365.com` (what the scope `https://outlook.office365.com/.default`
   * yields); `''` accepts any audience.
   */
  mailAudience?: string;
  /** SMTP rejects MAIL FROM other than the authenticated mailbox (554 5.2.252 SendAsDenied), like Office 365. Default false. */
  enforceSendAs?: boolean;
  /** verbose Dovecot auth logging (auth_debug, oauth2 debug) into `dovecot.logFile` */
  debug?: boolean;
  /**
   * The demo's second run: the same ports, app registration and token signing key as the first
   * (from `MailStack.identity()`), so settings saved against the first still work. A port
   * taken by another process is an error, not a silent move.
   */
  reuse?: MailStackIdentity;
}

/** What makes a stack recognisable to settings saved against it (the demo keeps it on disk). */
export interface MailStackIdentity {
  ports: {
    imap: number;
    imaps: number;
    lmtp: number;
    smtp: number;
    smtps: number;
    idp: number;
    /** absent in identities saved before the local Graph existed */
    graph?: number;
  };
  client: IdentityClient;
  /** PKCS#8 PEM of the identity platform's token signing key */
  signingKeyPem: string;
}

export interface IdentityClient {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** mailbox the app-only token is issued for (put in the `email` claim) */
  mailbox: string;
  /** ms since epoch; from then on the secret is refused with AADSTS7000222 (expired) */
  secretExpiresAt?: number;
  /**
   * false: no admin consent. Delegated grants fail with AADSTS65001; app-only tokens come
   * without `roles`, as Entra issues them. Default true.
   */
  consented?: boolean;
  /**
   * PEM certificates registered on the app (Certificates & secrets): a client assertion signed
   * by one of their keys authenticates the client instead of the secret
   */
  certificates?: string[];
  /** application permissions of Microsoft Graph granted (default Mail.Send, Mail.ReadWrite) */
  graphRoles?: string[];
  /** a Conditional Access policy blocks this app: every token request answers AADSTS53003 */
  blockedByConditionalAccess?: boolean;
  /**
   * registered redirect URIs; omitted = any http(s) URI is accepted (AADSTS50011 otherwise). As
   * at Entra, the port of a loopback URI (127.0.0.1, localhost) is ignored when matching.
   */
  redirectUris?: string[];
}

export interface MailStack {
  dir: string;
  /** PEM of the self-signed CA that signed every server certificate (SAN localhost, 127.0.0.1) */
  caPem: string;
  caFile: string;
  /** the defaults plus opts.users; registerClient() appends a user for an unknown mailbox */
  users: MailUser[];
  imap: { host: string; /** STARTTLS */ port: number; /** implicit TLS */ tlsPort: number };
  smtp: {
    host: string;
    /** STARTTLS + AUTH */ port: number;
    /** implicit TLS + AUTH */ tlsPort: number;
  };
  lmtp: { host: string; port: number };
  idp: {
    /** https://127.0.0.1:<port> */
    url: string;
    /** host:port, what the plugin stores as the OAuth2 authority host */
    authorityHost: string;
    /** a registered confidential client (client-credentials grant) */
    client: IdentityClient;
    /**
     * Synchronous: on return the token endpoint knows the client and IMAP/SMTP accept its tokens
     * (key published, a new tenant's issuer added with a ~30 ms Dovecot reload, mailbox created).
     */
    registerClient(client: IdentityClient): void;
    /** number of successful token responses since start (of one grant_type, if given) */
    tokenRequests(grantType?: string): number;
    /** lifetime of access tokens issued from now on, seconds */
    setTokenLifetime(seconds: number): void;
    /** revokes refresh tokens (all, or one user's); returns how many */
    revokeRefreshTokens(user?: string): number;
    /** `iss` of the tenant's tokens (`<url>/<tenantId>/v2.0`) */
    issuer?(tenantId: string): string;
  };
  /**
   * the local Microsoft Graph (mail endpoints: sending, and reading a mailbox's folders and
   * messages), backed by the same Dovecot (graph.ts, graph-mailbox.ts)
   */
  graph: {
    /** https://127.0.0.1:<port> */
    url: string;
    /** host:port, what the plugin stores as its Graph host */
    host: string;
    /** the next `count` requests answer 429 with Retry-After: `seconds` */
    throttle(count: number, seconds?: number): void;
    /** an application access policy without this mailbox: 403 ErrorAccessDenied */
    denyMailbox(address: string): void;
    /**
     * Counters since start: requests answered (429s included), messages sent, requests
     * throttled; and of the mailbox-reading endpoints: pages of messages `listed`, messages
     * `fetched` as MIME ($value), messages `moved`, `foldersCreated`, and `imapLogins` (the
     * local Graph keeps one IMAP connection per mailbox: this grows by one per mailbox, and again
     * only after a connection closed, e.g. Dovecot restarted).
     */
    stats(): {
      requests: number;
      sent: number;
      throttled: number;
      listed: number;
      fetched: number;
      moved: number;
      foldersCreated: number;
      imapLogins: number;
    };
  };
  /** authserv-id of the SMTP server's Authentication-Results (what the IMAP settings trust) */
  authservId: string;
  /** number of messages the SMTP server accepted (delivered to LMTP) */
  smtpAccepted(): number;
  /** the private Dovecot: master pid (leader of its process group), files, log tail for debugging */
  dovecot?: {
    pid: number;
    configFile: string;
    logFile: string;
    logTail(lines?: number): string;
    /** stops the server, keeping its mail and configuration (connections are refused) */
    stop(): Promise<void>;
    /** starts it again after stop(), on the same ports with the same mail */
    start(): Promise<void>;
  };
  /** how long startMailStack() took, ms */
  startupMs?: number;
  /** ports, app registration and signing key, to start the same stack again (`reuse`) */
  identity(): Promise<MailStackIdentity>;
  stop(): Promise<void>;
}
