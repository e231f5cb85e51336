#!/usr/bin/env node
// The built CLI (npm run build; npm ci runs it through `prepare`).
require('../dist/glueful.cjs');
