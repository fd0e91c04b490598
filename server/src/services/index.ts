import secrets from './secrets';
import settings from './settings';
import connectionTest from './connection-test';
import oauth from './oauth';
import oauthConnection from './oauth-connection';
import oauthFlow from './oauth-flow';
import oauthCheck from './oauth-check';
import transport from './transport';
import deliveryLog from './delivery-log';
import approvals from './approvals';
import approvalMail from './approval-mail';
import approvalRules from './approval-rules';
import approvalAccess from './approval-access';
import inbox from './inbox';
import lease from './lease';
import quarantine from './quarantine';
import approvalSimulator from './approval-simulator';

const services = {
  secrets,
  settings,
  'connection-test': connectionTest,
  oauth,
  'oauth-connection': oauthConnection,
  'oauth-flow': oauthFlow,
  'oauth-check': oauthCheck,
  transport,
  'delivery-log': deliveryLog,
  approvals,
  'approval-mail': approvalMail,
  'approval-rules': approvalRules,
  'approval-access': approvalAccess,
  inbox,
  lease,
  quarantine,
  'approval-simulator': approvalSimulator,
};

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };
export default services;
