#!/usr/bin/env node
import { main } from './main.js';

// The SDK warns on every run under Node < 22 about its releases after January 2027; gactl's
// stderr is for the user's errors and warnings, so that notice is off unless asked for.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`gactl: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
