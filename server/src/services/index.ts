import secrets from './secrets';
import settings from './settings';
import connectionTest from './connection-test';
import oauth from './oauth';
import transport from './transport';
import deliveryLog from './delivery-log';
import approvals from './approvals';
import approvalMail from './approval-mail';
import approvalRules from './approval-rules';
import inbox from './inbox';
import lease from './lease';

const services = {
  secrets,
  settings,
  'connection-test': connectionTest,
  oauth,
  transport,
  'delivery-log': deliveryLog,
  approvals,
  'approval-mail': approvalMail,
  'approval-rules': approvalRules,
  inbox,
  lease,
};

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };
export default services;
