#!/usr/bin/env node
// npm install hook. node-gyp-build loads a bundled prebuild when one fits this platform and
// otherwise compiles with node-gyp (g++, make, python3 and Node's headers). A failed compile
// does not fail the install: the addon is an accelerator with a fallback (callers such as
// @anycast-origin/ga-emulator relay with node:net when available() is false), so the install
// goes on and says, once and loudly, what is missing and how to build it later.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const bin = createRequire(import.meta.url).resolve('node-gyp-build/bin.js');
const r = spawnSync(process.execPath, [bin], { stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write(
    '\n@anycast-origin/tcp-relay: no prebuild fits and the native build failed; the native TCP relay is unavailable\n'
    + 'and users of this package fall back to Node\'s net module. To build it: install g++, make and python3\n'
    + '(Debian: apt-get install g++ make python3), then run `npm rebuild @anycast-origin/tcp-relay`.\n\n',
  );
}
