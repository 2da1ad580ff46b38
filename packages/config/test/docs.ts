import t from 'tap';
import { readFileSync } from 'node:fs';
import { optionsTable, tableIn } from '@anycast-origin/options';
import { DEFAULTS as DNS_DEFAULTS } from '@anycast-origin/dns-origin';
import { DEFAULTS as HTTP_DEFAULTS } from '@anycast-origin/http-origin';
import { CONFIG, drainSecondsFor, ERROR_CODES, parseConfig } from '../src/index.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('the README field table is the one the description makes', async (t) => {
  t.equal(tableIn(README), optionsTable(CONFIG));
});

t.test('every error code is documented, every documented code exists', async (t) => {
  const documented = [...new Set(README.match(/`CONFIG_ERR_[A-Z0-9_]+`/g)?.map((s) => s.slice(1, -1)))].sort();
  t.same(documented, [...ERROR_CODES].sort());
});

t.test('the origins drain, by default, as long as the default health check needs', async (t) => {
  const hc = parseConfig({}).listeners[0]?.healthCheck;
  if (!hc) throw new Error('no listener');
  t.equal(HTTP_DEFAULTS.drainSeconds, drainSecondsFor(hc));
  t.equal(DNS_DEFAULTS.drainSeconds, drainSecondsFor(hc));
});
