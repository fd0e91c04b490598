import settings from './settings';
import connectionTest from './connection-test';
import outboundMessage from './outbound-message';

export default { settings, 'connection-test': connectionTest, 'outbound-message': outboundMessage };
