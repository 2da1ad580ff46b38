#!/usr/bin/env node
import { main } from './main.js';

// The AWS SDK (gactl's client in `experiment`) warns on stderr that its releases after January
// 2027 need Node 22; the project runs on Node 20 and pins the SDK: the warning says nothing here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`anycast-lab: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
