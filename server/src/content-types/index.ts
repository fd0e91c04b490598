import settings from './settings';
import outboundMessage from './outbound-message';
import approval from './approval';
import inboundMessage from './inbound-message';
import lease from './lease';
import oauthConnection from './oauth-connection';
import sendAccount from './send-account';

// Keys must equal each schema's `info.singularName` (Strapi checks it).
export default {
  settings,
  'outbound-message': outboundMessage,
  approval,
  'inbound-message': inboundMessage,
  lease,
  'oauth-connection': oauthConnection,
  'send-account': sendAccount,
};
