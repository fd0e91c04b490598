import secrets from './secrets';
import settings from './settings';
import connectionTest from './connection-test';
import oauth from './oauth';
import transport from './transport';
import deliveryLog from './delivery-log';

const services = {
  secrets,
  settings,
  'connection-test': connectionTest,
  oauth,
  transport,
  'delivery-log': deliveryLog,
};

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };
export default services;
