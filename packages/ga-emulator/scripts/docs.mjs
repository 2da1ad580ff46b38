#!/usr/bin/env node
// Rewrites the README's generated tables (options, metrics) from the built package:
//   npm run build -w packages/ga-emulator && node packages/ga-emulator/scripts/docs.mjs
// test/options.ts and test/metrics.ts fail when the README drifts from the code.
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceTable } from '@anycast-origin/options';
import { METRICS_END, METRICS_START, metricsTable, optionsTable } from '../dist/index.js';

const file = new URL('../README.md', import.meta.url);
let readme = readFileSync(file, 'utf8');
readme = replaceTable(readme, optionsTable());
readme = replaceTable(readme, metricsTable(), METRICS_START, METRICS_END);
writeFileSync(file, readme);
