import t from 'tap';
import { Command } from 'commander';
import {
  addFlags, envLayer, fileLayer, flagLayer, flagsOf, flagsTable, givenFlags, helpText, kebab, labelFor, mergeLayers, o, snake, usageFromLibrary, UsageError, validateLayer, withoutOptions,
} from '../src/index.js';
import { InvalidOptionError, LIB } from './fixtures/schema.js';

const APP_LIB = withoutOptions(LIB, ['identity', 'version']);
const APP = o.group({ dns: APP_LIB, logLevel: o.enum(['info', 'debug'], { default: 'info', doc: 'log level' }) }, { doc: 'app' });
const FLAGS = [...flagsOf(APP_LIB, { mount: ['dns'], envPrefix: 'ORIGIN_' }), ...flagsOf(o.group({ logLevel: o.enum(['info', 'debug'], { default: 'info', doc: 'log level' }) }, { doc: 'x' }), { envPrefix: 'ORIGIN_' })];
const byKey = (k: string) => FLAGS.find((f) => f.key === k);

t.test('one naming rule: config key, flag and variable from the option path', async (t) => {
  t.equal(kebab('ipv4PrefixLength'), 'ipv4-prefix-length');
  t.equal(snake(['dns', 'udpBackend']), 'DNS_UDP_BACKEND');
  t.match(byKey('dns.rrl.slip'), { flag: '--dns-rrl-slip', env: 'ORIGIN_DNS_RRL_SLIP', takesValue: true });
  t.match(byKey('dns.drainSeconds'), { flag: '--dns-drain-seconds', env: 'ORIGIN_DNS_DRAIN_SECONDS' });
  t.match(byKey('dns.hideIdentity'), { flag: '--dns-hide-identity', takesValue: false });
  t.match(byKey('dns.metrics'), { flag: '--no-dns-metrics', takesValue: false }, 'a boolean on by default is turned off');
  t.match(byKey('dns.rrl'), { flag: '--dns-rrl', takesValue: true }, 'an off-able group is a switch');
  t.equal(byKey('dns.zone'), undefined, 'an optional group has only its members');
  t.ok(byKey('dns.zone.name'));
  t.equal(byKey('dns.identity'), undefined, 'omitted options have no flag');
  t.equal(byKey('dns.version'), undefined);
  t.match(byKey('logLevel'), { flag: '--log-level', env: 'ORIGIN_LOG_LEVEL' });
  const own = flagsOf(o.group({ id: o.string({ env: 'ORIGIN_ID', doc: 'id' }) }, { doc: 'x' }), { mount: ['identity'], envPrefix: 'ORIGIN_' });
  t.match(own[0], { flag: '--identity-id', env: 'ORIGIN_ID' }, 'a variable the library reads itself is used as is');
  t.equal(flagsOf(o.group({ x: o.integer({ min: 0, max: 1, doc: 'x' }) }, { doc: 'x' }))[0]?.env, undefined, 'no prefix, no variables');
});

t.test('strings become values; the schema judges them', async (t) => {
  const f = flagLayer(FLAGS, new Map<string, string | boolean>([['dns.port', '53'], ['dns.zone.ns', 'a, b,,c'], ['dns.hideIdentity', true], ['dns.metrics', false], ['dns.drainSeconds', '0.5'], ['dns.rrl.slip', 'lots']]));
  t.same(f.values, { dns: { port: 53, zone: { ns: ['a', 'b', 'c'] }, hideIdentity: true, metrics: false, drainSeconds: 0.5, rrl: { slip: 'lots' } } });
  t.equal(f.labels['dns.port'], '--dns-port');
  const e = envLayer(FLAGS, { ORIGIN_DNS_HIDE_IDENTITY: 'yes', ORIGIN_DNS_METRICS: '0', ORIGIN_DNS_RRL: 'off', ORIGIN_DNS_PORT: '', ORIGIN_LOG_LEVEL: 'debug' });
  t.same(e.values, { dns: { hideIdentity: true, metrics: false, rrl: false }, logLevel: 'debug' });
  t.equal(e.labels['dns.rrl'], 'ORIGIN_DNS_RRL');
  t.throws(() => envLayer(FLAGS, { ORIGIN_DNS_RRL: 'maybe' }), { name: 'UsageError', message: 'ORIGIN_DNS_RRL must be on or off, got "maybe"' });
  t.throws(() => flagLayer(FLAGS, new Map([['dns.rrl', 'off'], ['dns.rrl.slip', '3']])), { message: '--dns-rrl-slip conflicts with --dns-rrl off' });
});

t.test('layers merge, later wins, and every error names what the user wrote', async (t) => {
  const file = fileLayer({ $comment: 'notes', dns: { rrl: false, port: 5353, zone: { name: 'a.b' } } }, 'app.json');
  t.equal(file.labels['dns.rrl'], 'app.json: dns.rrl');
  t.equal(file.labels.$comment, undefined);
  const env = envLayer(FLAGS, { ORIGIN_DNS_PORT: '99999' });
  const flags = flagLayer(FLAGS, new Map([['dns.rrl.slip', '3']]));
  const merged = mergeLayers([file, env, flags]);
  t.same(merged.values, { dns: { rrl: { slip: 3 }, port: 99999, zone: { name: 'a.b' } } }, 'a member set after the group went off turns it back on');
  t.throws(() => validateLayer(APP, merged, FLAGS), { name: 'UsageError', message: 'ORIGIN_DNS_PORT must be an integer 0..65535, got 99999' });
  const ok = mergeLayers([file, flagLayer(FLAGS, new Map([['dns.rrl.slip', '3']]))]);
  t.match(validateLayer(APP, ok, FLAGS), { dns: { rrl: { rate: 200, slip: 3 }, port: 5353, zone: { name: 'a.b', a: [] } }, logLevel: 'info' });
  t.throws(() => validateLayer(APP, fileLayer({ dns: { rrl: { slip: 'x' } } }, 'app.json'), FLAGS), { message: 'app.json: dns.rrl.slip must be an integer 0..10, got "x"' });
  t.throws(() => validateLayer(APP, fileLayer({ dns: { nope: 1 } }, 'app.json'), FLAGS), { message: /^app\.json: dns\.nope is not a known option \(known: host, port, backend, / });
  t.throws(() => validateLayer(APP, flagLayer(FLAGS, new Map([['dns.zone.ns', 'a']])), FLAGS), { message: '--dns-zone-name is required (a domain name)' }, 'a missing member is named by its flag');
  t.throws(() => validateLayer(APP, flagLayer(FLAGS, new Map([['dns.zone.name', 'a'], ['dns.zone.a', '1.2.3.4,x']])), FLAGS), { message: '--dns-zone-a[1] must be an IPv4 address, got "x"' });
});

t.test('labelFor and a library\'s own error mapped back', async (t) => {
  const layer = flagLayer(FLAGS, new Map([['dns.rrl.slip', '11']]));
  t.equal(labelFor('dns.rrl.slip', layer.labels), '--dns-rrl-slip');
  t.equal(labelFor('dns.port', layer.labels, FLAGS), '--dns-port', 'not given: the flag that would set it');
  t.equal(labelFor('dns.other', layer.labels), 'dns.other');
  const err = usageFromLibrary(new InvalidOptionError('rrl.slip', 'must be an integer 0..10, got 11'), ['dns'], layer, FLAGS);
  t.ok(err instanceof UsageError);
  t.equal(err.message, '--dns-rrl-slip must be an integer 0..10, got 11');
  t.equal(err.exitCode, 2);
});

t.test('commander: flags added with help from the description, given values read back', async (t) => {
  const cmd = new Command('x').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  addFlags(cmd, FLAGS);
  cmd.parse(['--dns-port', '53', '--no-dns-metrics', '--dns-hide-identity', '--dns-rrl', 'off'], { from: 'user' });
  const given = givenFlags(cmd, FLAGS);
  t.same(Object.fromEntries(given), { 'dns.port': '53', 'dns.metrics': false, 'dns.hideIdentity': true, 'dns.rrl': 'off' });
  t.same(flagLayer(FLAGS, given).values, { dns: { port: 53, metrics: false, hideIdentity: true, rrl: false } });
  const help = cmd.helpInformation().replace(/\s+/g, ' ');
  t.match(help, /--dns-rrl-slip <n> every n-th limited answer is truncated \(0\.\.10; default: 2; env: ORIGIN_DNS_RRL_SLIP\)/);
  t.match(help, /--dns-backend <mode> UDP I\/O \(auto\|mmsg\|node; default: 'auto'; env: ORIGIN_DNS_BACKEND\)/);
  t.match(helpText(byKey('dns.drainSeconds')!), /drain time \(0\.\.86400 s; default: 90 s; env: ORIGIN_DNS_DRAIN_SECONDS\)/);
});

t.test('the README flag table: one row per flag with its variable, key, values and default', async (t) => {
  const lines = flagsTable(FLAGS).split('\n');
  t.equal(lines[0], '| flag | environment | config key | values | default |');
  t.equal(lines.length, 2 + FLAGS.length);
  t.ok(lines.includes('| `--dns-rrl-slip` | `ORIGIN_DNS_RRL_SLIP` | `dns.rrl.slip` | integer 0..10 | `2` |'));
  t.ok(lines.includes('| `--dns-rrl` | `ORIGIN_DNS_RRL` | `dns.rrl` | `on`, `off` | on |'));
  t.ok(lines.includes('| `--no-dns-metrics` | `ORIGIN_DNS_METRICS` | `dns.metrics` | switch | `true` |'));
  t.ok(lines.includes("| `--dns-backend` | `ORIGIN_DNS_BACKEND` | `dns.backend` | one of 'auto', 'mmsg', 'node' | `'auto'` |"));
});
