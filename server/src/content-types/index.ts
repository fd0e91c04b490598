import settings from './settings';

// Keys must equal each schema's `info.singularName` (Strapi checks it).
export default { settings };
