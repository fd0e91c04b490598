// The test suites as jest projects, one per folder under test/. TypeScript is compiled by
// @swc/jest (no type check: `npm run typecheck` does that once for the whole tree, and swc
// keeps a Strapi-booting file's start-up short). scripts/test.mjs runs `unit` in parallel and
// the other three one file at a time: each of their files boots a real Strapi or mail stack.
/** @type {import('jest').Config['transform']} */
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022' },
      module: { type: 'commonjs' },
    },
  ],
};

/** @param {string} name @param {number} timeout @param {object} [extra] */
const project = (name, timeout, extra = {}) => ({
  displayName: name,
  rootDir: __dirname,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  testEnvironment: 'node',
  transform,
  // jose (used by the local identity platform) ships ES modules only.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // jest's testTimeout is global; each project sets its own from this (test/setup/timeout.ts).
  globals: { TEST_TIMEOUT_MS: timeout },
  // Every file, whatever it imports: any connection off loopback fails loudly.
  setupFiles: ['<rootDir>/test/helpers/no-internet.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/timeout.ts'],
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project('unit', 30_000),
    project('integration', 120_000, { globalSetup: '<rootDir>/test/setup/mail.ts' }),
    project('api', 180_000, { globalSetup: '<rootDir>/test/setup/mail.ts' }),
    project('e2e', 180_000, { globalSetup: '<rootDir>/test/setup/browser.ts' }),
  ],
};
