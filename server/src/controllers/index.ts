import settings from './settings';
import connectionTest from './connection-test';

export default { settings, 'connection-test': connectionTest };
