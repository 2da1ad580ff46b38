// Rewrite the README's generated tables (flags per command, options per function) from the
// option descriptions. Run after `npm run build`: npm run docs -w @anycast-origin/probe
import { readFileSync, writeFileSync } from 'node:fs';
import { updateReadme } from '../dist/docs.js';

const file = new URL('../README.md', import.meta.url);
writeFileSync(file, updateReadme(readFileSync(file, 'utf8')));
