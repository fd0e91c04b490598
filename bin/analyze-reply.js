#!/usr/bin/env node
'use strict';
// Shortcut for `strapi-mail-server analyze-reply <file.eml>`.
process.argv.splice(2, 0, 'analyze-reply');
require('./strapi-mail-server.js');
