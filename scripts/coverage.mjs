#!/usr/bin/env node
// Per-package coverage thresholds. tap 21 knows only "100%, or --allow-incomplete-coverage";
// each workspace runs this after tap: it reads tap's json-summary report and fails when a
// figure falls below the floor in the package's `coverageThresholds` (set at what the package
// reached when they were introduced, rounded down; raise them as tests grow).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const floors = pkg.coverageThresholds;
if (!floors) {
  process.stderr.write(`coverage: ${pkg.name} has no coverageThresholds in package.json\n`);
  process.exit(1);
}
let total;
try {
  total = JSON.parse(readFileSync(join(dir, '.tap', 'report', 'coverage-summary.json'), 'utf8')).total;
} catch (e) {
  process.stderr.write(`coverage: no .tap/report/coverage-summary.json in ${dir} (tap's coverage-report must include json-summary): ${e.message}\n`);
  process.exit(1);
}
const low = [];
for (const [key, floor] of Object.entries(floors)) {
  const pct = total[key]?.pct;
  if (typeof pct !== 'number' || pct < floor) low.push(`${key} ${pct}% < ${floor}%`);
}
const summary = ['lines', 'branches', 'functions', 'statements'].map((k) => `${k} ${total[k]?.pct}%`).join(', ');
if (low.length) {
  process.stderr.write(`coverage: ${pkg.name} below its floor: ${low.join('; ')} (${summary})\n`);
  process.exit(1);
}
process.stdout.write(`coverage: ${pkg.name} ${summary} (floors ${Object.entries(floors).map(([k, v]) => `${k} ${v}%`).join(', ')})\n`);
