/**
 * The README's generated tables are what the descriptions render (run `npm run docs` after
 * changing an option, a flag or a command), and what --help shows comes from the same place.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { optionsTable, tableIn } from '@anycast-origin/options';
import { autopilotTables, commandsTable, COMMANDS_END, COMMANDS_START, FLAGS_END, FLAGS_START, globalFlagsTable, renderReadme } from '../src/docs.js';
import { GLOBAL_FLAGS, OPTIONS, parseArgs } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('the README\'s tables are the generated ones', async (t) => {
  t.equal(tableIn(readme, FLAGS_START, FLAGS_END), globalFlagsTable(), 'global flags');
  t.equal(tableIn(readme, COMMANDS_START, COMMANDS_END), commandsTable(), 'commands');
  t.equal(tableIn(readme), optionsTable(OPTIONS), 'connect() options');
  for (const [name, start, end, table] of autopilotTables()) t.equal(tableIn(readme, start, end), table, `${name}() options`);
  t.equal(renderReadme(readme), readme, 'npm run docs would change nothing');
});

t.test('--help lists every global flag with its variable and default', async (t) => {
  const r = parseArgs(['--help'], {}, '0.0.0');
  if (r.kind !== 'exit') throw new Error('expected help');
  t.equal(r.code, 0);
  const help = r.output.replace(/\s+/g, ' ');
  for (const f of GLOBAL_FLAGS) {
    t.ok(help.includes(f.flag), `${f.flag} in --help`);
    t.ok(help.includes(`env: ${f.env}`), `${f.env} in --help`);
  }
  t.match(help, /Exit codes: 0 done, 1 failed \(API error, guard, verification\), 2 usage, 3 timed out waiting for DEPLOYED\./);
  const dial = parseArgs(['dial', '--help'], {}, '0.0.0');
  t.match(dial.kind === 'exit' ? dial.output : '', /Usage: gactl dial \[options\] <REGION> <PERCENT>/);
  const version = parseArgs(['--version'], {}, '1.2.3');
  t.same(version, { kind: 'exit', code: 0, output: '1.2.3\n' });
});
