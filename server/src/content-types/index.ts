import settings from './settings';
import outboundMessage from './outbound-message';

// Keys must equal each schema's `info.singularName` (Strapi checks it).
export default { settings, 'outbound-message': outboundMessage };
