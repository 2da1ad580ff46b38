#!/usr/bin/env node
// The probe command. A small committed launcher (npm links a workspace's bin only when the file
// exists at install time): it runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('probe: not built yet: run npm run build (in apps/probe, or npx turbo run build --filter=@anycast-origin/probe...)\n');
  process.exit(1);
}
await import(cli.href);
