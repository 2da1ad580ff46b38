import t from 'tap';
import { readFileSync } from 'node:fs';
import { ConfigFileError, ERROR_CODES, OptionsError, UsageError } from '../src/index.js';

t.test('every code is documented, every documented code exists', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of ERROR_CODES) t.ok(readme.includes(`\`${code}\``), `${code} documented`);
  const documented = new Set(readme.match(/`OPTIONS_ERR_[A-Z_]+`/g)?.map((s) => s.slice(1, -1)));
  t.same([...documented].sort(), [...ERROR_CODES].sort());
});

t.test('classes, codes and exit codes', async (t) => {
  const u = new UsageError('--x must be 1');
  t.ok(u instanceof OptionsError);
  t.match(u, { code: 'OPTIONS_ERR_USAGE', exitCode: 2, name: 'UsageError' });
  const c = new ConfigFileError('/a.json', 'not valid JSON');
  t.ok(c instanceof UsageError);
  t.match(c, { code: 'OPTIONS_ERR_CONFIG_FILE', exitCode: 2, file: '/a.json', message: '/a.json: not valid JSON' });
});
