module.exports = ({ env }) => ({
  host: env('HOST', '127.0.0.1'),
  port: env.int('PORT', 1337),
  // The public address, used in links of emails (the demo sets it; tests leave it empty).
  url: env('PUBLIC_URL', ''),
  app: { keys: env.array('APP_KEYS', ['test-app-key-1', 'test-app-key-2']) },
  // No "new Strapi version" check: it would call the npm registry (tests stay on loopback).
  logger: { updates: { enabled: false } },
});
