#!/usr/bin/env node
// The built CLI lives in dist/ (npm run build; npm ci runs it through `prepare`).
import '../dist/glueful.js';
