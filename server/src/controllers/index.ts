import settings from './settings';
import connectionTest from './connection-test';
import outboundMessage from './outbound-message';
import oauth from './oauth';
import approval from './approval';
import inboundMessage from './inbound-message';

export default {
  settings,
  'connection-test': connectionTest,
  'outbound-message': outboundMessage,
  oauth,
  approval,
  'inbound-message': inboundMessage,
};
