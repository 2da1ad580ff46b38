#!/usr/bin/env node
import { main } from './main.js';

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`anycast-lab: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
