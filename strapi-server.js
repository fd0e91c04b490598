'use strict';
// Strapi 5 prefers the package's `./strapi-server` export; this root file is the fallback it
// uses when an app loads the plugin without the export map (older tooling, extensions).
module.exports = require('./dist/server');
