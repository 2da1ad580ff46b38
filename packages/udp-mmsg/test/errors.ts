import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, InvalidOptionError, UdpMmsgError } from '../src/index.js';

t.test('errors carry stable codes; InvalidOptionError names the option', async (t) => {
  const e = new InvalidOptionError('batch', 'must be an integer from 1 to 256, got 0');
  t.ok(e instanceof UdpMmsgError);
  t.equal(e.code, 'UDP_MMSG_ERR_INVALID_OPTION');
  t.equal(e.option, 'batch');
  t.equal(e.name, 'InvalidOptionError');
  t.equal(e.message, 'batch must be an integer from 1 to 256, got 0');
  t.ok(Object.isFrozen(ERROR_CODES));
});

t.test('the package README documents every error code', async (t) => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  for (const code of ERROR_CODES) t.match(readme, `\`${code}\``, code);
});

t.test('the C header and the TypeScript wrapper agree on the shared layout', async (t) => {
  const header = readFileSync(fileURLToPath(new URL('../src/udp_mmsg.h', import.meta.url)), 'utf8');
  const wrapper = readFileSync(fileURLToPath(new URL('../src/index.ts', import.meta.url)), 'utf8');
  const defines = [...header.matchAll(/^#define (META_\w+|OPEN_\w+) (\d+)/gm)].filter((m) => m[1] !== 'META_TEXT_BYTES');
  t.ok(defines.length >= 10);
  for (const [, name, value] of defines) t.match(wrapper, `const ${name} = ${value};`, `${name} = ${value}`);
});

t.test('the README option table is the one the option descriptions make', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { optionsTable, tableIn } = await import('@anycast-origin/options');
  const { OPTIONS } = await import('../src/index.js');
  t.equal(tableIn(readFileSync(new URL('../README.md', import.meta.url), 'utf8')), optionsTable(OPTIONS));
});
