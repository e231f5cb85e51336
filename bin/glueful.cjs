#!/usr/bin/env node
// The built CLI (npm run build makes dist/). It runs dist/glueful.cjs through
// a V8 code cache: parsing and compiling the bundle is a large part of what a
// short command costs (about 8 of 19 ms here), and Node 20 has no compile
// cache of its own (module.enableCompileCache came in Node 22).
//
// The cache is written once, after a run that found none, beside the bundle
// when that folder is writable, else in the user's cache folder
// ($XDG_CACHE_HOME or ~/.cache, never a shared /tmp), 0600 by temp + rename.
// V8 itself rejects a cache made from another bundle or another node; it is
// then rewritten. GLUEFUL_NO_CODE_CACHE=1 turns it off.
'use strict';
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'glueful.cjs');
const name = `glueful-${process.version}-${process.arch}.v8cache`;
const home = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, '.cache') : null);
const places = [join(dirname(bundle), name)];
if (home) places.push(join(home, 'glueful-cache', `${dirname(bundle).replace(/[^A-Za-z0-9]+/g, '_')}-${name}`));

function readCache() {
  for (const place of places) {
    try {
      return readFileSync(place);
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

function writeCache(script) {
  const data = script.createCachedData();
  for (const place of places) {
    const temp = `${place}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(place), { recursive: true, mode: 0o700 });
      writeFileSync(temp, data, { mode: 0o600 });
      renameSync(temp, place);
      return;
    } catch {
      // not writable here: try the next place
    }
  }
}

const useCache = !process.env.GLUEFUL_NO_CODE_CACHE;
const cachedData = useCache ? readCache() : undefined;
const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
const bundleModule = new Module(bundle, module);
bundleModule.filename = bundle;
bundleModule.paths = Module._nodeModulePaths(dirname(bundle));
const wrapper = script.runInThisContext();
wrapper.call(bundleModule.exports, bundleModule.exports, Module.createRequire(bundle), bundleModule, bundle, dirname(bundle));
bundleModule.exports.main(process.argv).then((code) => {
  process.exitCode = code;
});
// Written after the run, so the functions this run compiled are in it too.
if (useCache && (cachedData === undefined || script.cachedDataRejected)) process.once('beforeExit', () => writeCache(script));
