#!/usr/bin/env node
'use strict';
require('./checkout-build.js').buildCheckoutIfStale();
require('../dist/main.js').main(process.argv.slice(2));
