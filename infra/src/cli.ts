/**
 * Entry of the infra's operations command (`node dist/cli.js verify|rollout`; npm run deploy,
 * verify and rollout run it). The work is in commands.ts.
 */
import { main } from './commands.js';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
