import secrets from './secrets';
import settings from './settings';
import connectionTest from './connection-test';
import oauth from './oauth';

const services = { secrets, settings, 'connection-test': connectionTest, oauth };

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };
export default services;
