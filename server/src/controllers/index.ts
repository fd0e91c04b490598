import settings from './settings';
import connectionTest from './connection-test';
import outboundMessages from './outbound-messages';
import oauth from './oauth';
import approvals from './approvals';
import inboundMessages from './inbound-messages';
import inboxHealth from './inbox-health';

export default {
  settings,
  'connection-test': connectionTest,
  'outbound-messages': outboundMessages,
  oauth,
  approvals,
  'inbound-messages': inboundMessages,
  'inbox-health': inboxHealth,
};
