// A development/test app: the fallbacks below are not secrets of any real deployment.
module.exports = ({ env }) => ({
  auth: { secret: env('ADMIN_JWT_SECRET', 'test-admin-jwt-secret') },
  apiToken: { salt: env('API_TOKEN_SALT', 'test-api-token-salt') },
  transfer: { token: { salt: env('TRANSFER_TOKEN_SALT', 'test-transfer-token-salt') } },
  // The mail-server plugin encrypts stored secrets with this key (AES-256-GCM).
  secrets: { encryptionKey: env('ENCRYPTION_KEY', 'test-encryption-key-0123456789abcdef') },
  // Tests log in many times; Strapi's login limit (5 per 5 min) would make them flaky.
  rateLimit: { enabled: env.bool('ADMIN_RATE_LIMIT', false) },
  flags: { nps: false, promoteEE: false },
});
