import t from 'tap';
import { readFileSync } from 'node:fs';
import { generatedTables, staleTables, updateReadme } from '../src/docs.js';
import type { InvalidOptionError} from '../src/errors.js';
import { ERROR_CODES, LabError } from '../src/errors.js';
import { COMMAND_FLAGS, resolveExperiment, resolveUp } from '../src/options.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('the flag tables are generated from the option descriptions (npm run docs rewrites them)', async (t) => {
  t.same(staleTables(README), [], 'stale tables: run npm run docs at the repository root');
  t.equal(updateReadme(README), README);
  t.equal(generatedTables().length, 3);
  for (const [command, flags] of Object.entries(COMMAND_FLAGS)) {
    for (const f of flags) {
      t.match(f.env, /^LAB_[A-Z0-9_]+$/, `${command} ${f.flag}: a LAB_ variable`);
      t.ok(README.includes(`| \`${f.flag}\` | \`${f.env}\` |`), `${command} ${f.flag} documented`);
    }
  }
  t.match(README, '\n## anycast-lab up\n');
  t.match(README, '\n## anycast-lab experiment\n');
});

t.test('error codes: every code documented, every documented code exists', async (t) => {
  const documented = new Set(README.match(/LAB_ERR_[A-Z_]+/g));
  t.same([...documented].sort(), [...ERROR_CODES].sort());
});

t.test('settings given in code are checked with the one message format', async (t) => {
  t.match(resolveUp({}), { api: '127.0.0.1:4599', originHttpPort: 8080, originDnsPort: 8053, entryPorts: 'offset-privileged', deploySeconds: 1, healthInterval: undefined });
  t.match(resolveExperiment({}), { api: '127.0.0.1:0', originHttpPort: 0, entryPorts: 'ephemeral', quick: false, requests: 100, out: 'lab-experiment' });
  const e = t.throws(() => resolveUp({ healthInterval: 0.01 })) as InvalidOptionError;
  t.ok(e instanceof LabError);
  t.match(e, { code: 'LAB_ERR_INVALID_OPTION', exitCode: 2, option: 'healthInterval', message: 'healthInterval must be a number 0.1..30 (s), got 0.01' });
  t.throws(() => resolveExperiment({ nope: 1 }), { code: 'LAB_ERR_INVALID_OPTION', message: /nope is not a known option/ });
  t.throws(() => resolveUp({ entryAddresses: '127.77.0.1/16' }), { message: 'entryAddresses must be a loopback block 127.x.y.z/8..30 with its host bits clear, got "127.77.0.1/16"' });
});
