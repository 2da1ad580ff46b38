import t from 'tap';
import { optionRows, optionsTable, replaceTable, TABLE_END, TABLE_START, tableIn } from '../src/index.js';
import { LIB } from './fixtures/schema.js';

t.test('one row per option, groups before their members, every default and range shown', async (t) => {
  const table = optionsTable(LIB);
  const lines = table.split('\n');
  t.equal(lines[0], '| option | values | default | meaning |');
  t.equal(lines.length, 2 + optionRows(LIB).length);
  t.ok(lines.includes('| `port` | integer 0..65535 | `8053` | port; 0 = ephemeral |'));
  t.ok(lines.includes('| `drainSeconds` | number 0..86400 (s) | `90` s | drain time |'));
  t.ok(lines.includes('| `host` | IPv4 or IPv6 address | `\'127.0.0.1\'` | address to bind |'));
  t.ok(lines.includes('| `workers` | integer 1..16 | one per core | worker threads |'));
  t.ok(lines.includes('| `identity` | Identity | required | who answers |'));
  t.ok(lines.includes('| `zone` | object | none | a zone to serve |'));
  t.ok(lines.includes('| `zone.a` | list of items, each an IPv4 address | `[]` | apex A records |'));
  t.ok(lines.includes('| `rrl` | false or an object | on | response rate limiting |'));
  t.ok(lines.includes('| `rrl.rate` | integer 1..1000 (responses/s) | `200` responses/s | rate per prefix |'));
  t.ok(lines.indexOf('| `rrl` | false or an object | on | response rate limiting |') < lines.findIndex((l) => l.startsWith('| `rrl.rate`')));
});

t.test('a README section between markers is replaced and read back', async (t) => {
  const readme = `# x\n\n${TABLE_START}\nold\n${TABLE_END}\n\nmore\n`;
  const next = replaceTable(readme, optionsTable(LIB));
  t.equal(tableIn(next), optionsTable(LIB));
  t.match(next, /\n\nmore\n$/);
  t.throws(() => replaceTable('# no markers', 'x'), /markers not found/);
  t.equal(tableIn('# none'), undefined);
});

t.test('a list of groups documents its items\' members', async (t) => {
  const { o } = await import('../src/index.js');
  const S = o.group({ items: o.list(o.group({ port: o.integer({ min: 1, max: 9, required: true, doc: 'a port' }) }, { doc: 'an item' }), { default: [], doc: 'items' }) }, { doc: 'x' });
  t.same(optionRows(S).map((r) => r.name), ['items', 'items[].port']);
});
