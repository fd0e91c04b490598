/**
 * Public API of the framework-free mail core. Services import from here only; this folder is
 * the one place in the plugin that touches nodemailer, imapflow, mailparser and MSAL.
 */
export type {
  Endpoint,
  MailAuth,
  ProbeResult,
  ProbeStep,
  ProbeStepName,
  ProbeStepStatus,
  Security,
  TlsSettings,
} from './types';
export { isOAuth2 } from './types';
export {
  MAIL_ERROR_CODES,
  MailError,
  isMailError,
  redact,
  toInfo,
  type MailErrorCode,
  type MailErrorInfo,
  type MailErrorOptions,
} from './errors';
export { diagnose, diagnoseTokenError, type DiagnoseContext } from './diagnose';
export { isMicrosoftHost } from './diagnose/microsoft';
export { DEFAULT_TIMEOUT_MS } from './connection';
export { probeSmtp, testMessageId, type SmtpProbeInput, type TestMessage } from './probe/smtp';
export { probeImap, type ImapProbeInput } from './probe/imap';
export { probeGraph, type GraphProbeInput } from './probe/graph';
export {
  createTokenSource,
  DEFAULT_SCOPE,
  DELEGATED_SCOPES,
  scopesFor,
  type OAuth2Settings,
  type TokenCacheStore,
  type TokenSource,
  type TokenStats,
} from './oauth2';
export {
  authorizationUrl,
  createPkcePair,
  redeemAuthorizationCode,
  type ConnectedAccount,
} from './oauth2/delegated';
export {
  createSmtpSender,
  type MailSender,
  type SendResult,
  type SmtpSenderConfig,
} from './smtp/sender';
export { parseMessage, outgoingMessageSchema, type OutgoingMessage } from './message';
export { composedOf, composeOutgoing, type ComposedMessage } from './compose';
export { THROTTLE_REASONS, type ThrottleReason } from './diagnose/throttle';
export type { FetchedMessage, MailboxReader } from './mailbox';
export { createMailboxReader, type MailboxReaderConfig } from './imap/reader';
export { createGraphMailboxReader, type GraphReaderConfig } from './graph/reader';
export {
  referenceFor,
  messageIdFor,
  parseRef,
  verifyRef,
  redactRefs,
  type ApprovalRef,
} from './reply/token';
export {
  analyzeReply,
  createBoundedAnalyzer,
  DEFAULT_MAX_BYTES,
  noDecision,
  REPLY_REASONS,
  type BoundedAnalyzer,
  type ReplyAnalysis,
  type SenderTrust,
} from './reply';
export { isTransient } from './smtp/retry';
export {
  createGraphSender,
  MIME_LIMIT,
  type GraphSender,
  type GraphSendResult,
} from './graph/sender';
export { parseClientCertificate, type ClientCertificate } from './oauth2/certificate';
