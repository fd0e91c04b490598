const { winston } = require('@strapi/logger');
const Transport = require('winston-transport');

// Tests put an array at globalThis.__MAIL_SERVER_TEST_LOGS__ to receive every log entry
// (message and metadata), so they can assert that no secret is ever logged. Elsewhere the
// app logs to the console as any Strapi app does.
module.exports = () => {
  const sink = globalThis.__MAIL_SERVER_TEST_LOGS__;
  if (!Array.isArray(sink)) return {};
  class Memory extends Transport {
    log(info, next) {
      sink.push(JSON.stringify({ ...info, message: String(info.message) }));
      next();
    }
  }
  const transports = [new Memory({ level: 'silly' })];
  if (process.env.TEST_VERBOSE === '1') transports.push(new winston.transports.Console());
  return { level: 'silly', transports };
};
