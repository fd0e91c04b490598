const path = require('node:path');

module.exports = ({ env }) => ({
  'users-permissions': {
    config: { jwtSecret: env('JWT_SECRET', 'test-users-permissions-jwt-secret') },
  },
  // Tests of the provider subpath: the email plugin names our provider itself.
  ...(env('MAIL_SERVER_TEST_EMAIL_PROVIDER')
    ? {
        email: {
          config: {
            provider: env('MAIL_SERVER_TEST_EMAIL_PROVIDER'),
            settings: { defaultFrom: 'Subpath Sender <subpath@example.test>' },
          },
        },
      }
    : {}),
  'mail-server': {
    enabled: true,
    // The plugin under development is the repository root (built into dist/ before boot).
    resolve: path.resolve(__dirname, '../../..'),
    config: {
      replaceEmailProvider: env.bool('MAIL_SERVER_REPLACE_PROVIDER', true),
      // Trust the CA of the local test mail servers (a company CA in real deployments).
      tls: { ca: env('MAIL_SERVER_CA_FILE') },
      // Tests shorten the retry backoff; the default is 500 ms, then 2 s.
      send: {
        retryDelayMs: env.int('MAIL_SERVER_RETRY_DELAY_MS'),
        maxConnections: env.int('MAIL_SERVER_MAX_CONNECTIONS'),
        // Fault suites count sending limits over seconds, not a minute and a day.
        limitWindowSeconds: env.float('MAIL_SERVER_LIMIT_WINDOW_SECONDS'),
        recipientWindowSeconds: env.float('MAIL_SERVER_RECIPIENT_WINDOW_SECONDS'),
        queueLifetimeHours: env.float('MAIL_SERVER_QUEUE_LIFETIME_HOURS'),
        maxRetryDelaySeconds: env.float('MAIL_SERVER_MAX_RETRY_DELAY_SECONDS'),
        claimSeconds: env.float('MAIL_SERVER_CLAIM_SECONDS'),
      },
      deliveryLog: { enabled: env.bool('MAIL_SERVER_DELIVERY_LOG', true) },
      // API suites drive the inbox job themselves; the IDLE suite and the demo switch it on.
      inbox: {
        idle: env.bool('MAIL_SERVER_IDLE', false),
        graphPollSeconds: env.float('MAIL_SERVER_GRAPH_POLL_SECONDS'),
        analysisTimeoutMs: env.int('MAIL_SERVER_ANALYSIS_TIMEOUT_MS'),
      },
      approvals: { maxRequestsPerHour: env.int('MAIL_SERVER_MAX_REQUESTS_PER_HOUR') },
      // Any field can come from the environment; such a field is locked in the admin page.
      smtp: {
        host: env('MAIL_SERVER_SMTP_HOST'),
        port: env.int('MAIL_SERVER_SMTP_PORT'),
        username: env('MAIL_SERVER_SMTP_USERNAME'),
        password: env('MAIL_SERVER_SMTP_PASSWORD'),
        fromName: env('MAIL_SERVER_SMTP_FROM_NAME'),
      },
      imap: {
        host: env('MAIL_SERVER_IMAP_HOST'),
        password: env('MAIL_SERVER_IMAP_PASSWORD'),
      },
    },
  },
});
