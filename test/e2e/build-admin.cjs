// Builds the admin panel of the test app (test/app/build) with Strapi's own build function.
// Not `npx strapi build`: the CLI looks for a tsconfig.json upwards, finds test/tsconfig.json
// and takes the JS app for a TypeScript one. USE_EXPERIMENTAL_DEPENDENCIES skips the check that
// the app's package.json declares react & co. (they come from the repo's node_modules).
const path = require('node:path');

const appDir = process.argv[2] ?? path.resolve(__dirname, '..', 'app');
const strapiDir = path.dirname(require.resolve('@strapi/strapi/package.json', { paths: [appDir] }));
const { build } = require(path.join(strapiDir, 'dist/src/node/build.js'));
const { createLogger } = require(path.join(strapiDir, 'dist/src/cli/utils/logger.js'));

// Vite resolves the generated entry (.strapi/client) against the working directory.
process.chdir(appDir);
process.env.USE_EXPERIMENTAL_DEPENDENCIES = 'true';
process.env.STRAPI_TELEMETRY_DISABLED = 'true';
process.env.NODE_ENV = 'production';

build({
  cwd: appDir,
  logger: createLogger({ debug: false, silent: false, timestamp: false }),
  tsconfig: undefined,
  bundler: 'vite',
  minify: true,
  sourcemap: false,
  stats: false,
  installDeps: false,
}).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  }
);
