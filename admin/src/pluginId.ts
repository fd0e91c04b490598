export const PLUGIN_ID = 'mail-server';
