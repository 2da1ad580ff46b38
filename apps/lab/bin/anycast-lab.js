#!/usr/bin/env node
// The `anycast-lab` command. npm links a workspace's bin when it installs, before anything is
// built, and only if the file exists: this small committed launcher is that file, and it runs
// the built CLI (dist/cli.js), or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('anycast-lab: not built yet: run `npm run build` (or `npm run lab`) in the repository first\n');
  process.exit(1);
}
await import(cli.href);
