import t from 'tap';
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../src/commands.js';
import { generatedTables, staleTables, updateReadme } from '../src/docs.js';
import { ERROR_CODES, InvalidOptionError, ProbeError } from '../src/errors.js';
import * as probe from '../src/index.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('the generated tables (flags per command, options per function) match the descriptions', async (t) => {
  t.same(staleTables(README), [], 'stale tables: run npm run docs at the repository root');
  t.equal(updateReadme(README), README);
  t.equal(generatedTables().length, COMMANDS.length + 8);
});

t.test('every command has its section', async (t) => {
  for (const c of COMMANDS) t.match(README, `\n## probe ${c.name}\n`, c.name);
});

t.test('error codes: every code documented, every documented code exists', async (t) => {
  const documented = new Set(README.match(/PROBE_ERR_[A-Z_]+/g));
  t.same([...documented].sort(), [...ERROR_CODES].sort());
  const e = new InvalidOptionError('count', 'must be an integer 1..1000000, got 0');
  t.ok(e instanceof ProbeError);
  t.match(e, { code: 'PROBE_ERR_INVALID_OPTION', exitCode: 2, option: 'count', message: 'count must be an integer 1..1000000, got 0' });
});

t.test('the package index exports what the lab imports', async (t) => {
  for (const name of ['measureHttp', 'measureDns', 'sweep', 'readAtlasResults', 'parseRun', 'atlasTable', 'totalVariationDistance', 'renderMap', 'renderMapPng', 'measureAtlas', 'compareRuns', 'predict', 'main']) {
    t.type((probe as Record<string, unknown>)[name], 'function', name);
  }
});
