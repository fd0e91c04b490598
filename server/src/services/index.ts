import secrets from './secrets';
import settings from './settings';
import connectionTest from './connection-test';
import oauthToken from './oauth-token';
import oauthConnection from './oauth-connection';
import oauth from './oauth';
import oauthCheck from './oauth-check';
import transport from './transport';
import outboundMessages from './outbound-messages';
import outbox from './outbox';
import sendLimits from './send-limits';
import sendHealth from './send-health';
import approvals from './approvals';
import approvalMail from './approval-mail';
import approvalRules from './approval-rules';
import approvalAccess from './approval-access';
import inbox from './inbox';
import inboxHealth from './inbox-health';
import lease from './lease';
import inboundMessages from './inbound-messages';
import approvalSimulator from './approval-simulator';

const services = {
  secrets,
  settings,
  'connection-test': connectionTest,
  'oauth-token': oauthToken,
  'oauth-connection': oauthConnection,
  oauth,
  'oauth-check': oauthCheck,
  transport,
  'outbound-messages': outboundMessages,
  outbox,
  'send-limits': sendLimits,
  'send-health': sendHealth,
  approvals,
  'approval-mail': approvalMail,
  'approval-rules': approvalRules,
  'approval-access': approvalAccess,
  inbox,
  'inbox-health': inboxHealth,
  lease,
  'inbound-messages': inboundMessages,
  'approval-simulator': approvalSimulator,
};

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };
export default services;
