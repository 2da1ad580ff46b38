import t from 'tap';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DEFAULTS as DNS_DEFAULTS, OPTIONS as DNS_OPTIONS } from '@anycast-origin/dns-origin';
import { DEFAULTS as HTTP_DEFAULTS } from '@anycast-origin/http-origin';
import { FLAGS_END, FLAGS_START, flagsTable, metaAt, tableIn } from '@anycast-origin/options';
import { buildProgram, parseArgs } from '../src/args.js';
import { UsageError } from '../src/errors.js';
import { FLAGS } from '../src/options.js';

const V = '9.9.9';
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = parseArgs(argv, env, V);
  if (r.kind !== 'run') throw new Error('expected run');
  return r.settings;
};

t.test('no flags: every default is the library\'s own', async (t) => {
  const s = parse([]);
  t.match(s.http, { host: HTTP_DEFAULTS.host, port: HTTP_DEFAULTS.port, metricsRoute: true, benchmarkRoutes: false, allowFallback: false });
  t.equal(s.http && s.http.workers, undefined, 'workers: the library picks one per core');
  t.match(s.dns, { host: '127.0.0.1', port: 8053, workers: 1, udpBackend: 'auto', rrl: { ...DNS_DEFAULTS.rrl }, tcp: { ...DNS_DEFAULTS.tcp } });
  t.equal(s.dns && s.dns.zone, undefined);
  t.match(s.identity, { source: 'auto' });
  t.equal(s.drainSeconds, HTTP_DEFAULTS.drainSeconds);
  t.equal(s.drainSeconds, DNS_DEFAULTS.drainSeconds, 'both origins drain alike');
  t.equal(s.logLevel, 'info');
  t.equal(s.metrics, undefined);
  t.ok(availableParallelism() >= 1);
});

t.test('flags: one per library option, named after it', async (t) => {
  const s = parse(['--http-host', '::1', '--http-port', '0', '--dns', 'off', '--identity-id', 'edge-1', '--identity-region', 'eu-central-1',
    '--identity-availability-zone', 'eu-central-1a', '--identity-source', 'env', '--http-workers', '3', '--drain-seconds', '0.5',
    '--log-level', 'warn', '--http-allow-fallback', '--http-benchmark-routes', '--no-http-metrics-route', '--metrics', '127.0.0.1:9100']);
  t.match(s.http, { host: '::1', port: 0, workers: 3, allowFallback: true, benchmarkRoutes: true, metricsRoute: false });
  t.equal(s.dns, false);
  t.match(s.identity, { source: 'env', id: 'edge-1', region: 'eu-central-1', availabilityZone: 'eu-central-1a' });
  t.equal(s.drainSeconds, 0.5);
  t.equal(s.logLevel, 'warn');
  t.equal(s.metrics, '127.0.0.1:9100');
});

t.test('DNS flags: UDP I/O, zone, RRL groups and members, TCP limits', async (t) => {
  const s = parse(['--dns-udp-backend', 'node', '--dns-zone-name', 'anycast.example.net', '--dns-zone-a', '192.0.2.1,192.0.2.2', '--dns-zone-ns', 'ns1.example.net',
    '--dns-rrl-responses-per-second', '50', '--dns-rrl-slip', '0', '--dns-tcp-max-connections', '10', '--dns-hide-identity', '--dns-nsid', 'anycast']);
  t.match(s.dns, {
    udpBackend: 'node', zone: { name: 'anycast.example.net', a: ['192.0.2.1', '192.0.2.2'], ns: ['ns1.example.net'], ttl: 300 },
    rrl: { responsesPerSecond: 50, slip: 0, windowSeconds: 15 }, tcp: { maxConnections: 10 }, hideIdentity: true, nsid: 'anycast',
  });
  t.equal(parse(['--dns-rrl', 'off']).dns && (parse(['--dns-rrl', 'off']).dns as { rrl: unknown }).rrl, false);
  t.match(parse(['--dns-udp-backend', 'auto'], { ORIGIN_DNS_UDP_BACKEND: 'node' }).dns, { udpBackend: 'auto' }, 'flag beats env');
  t.throws(() => parseArgs(['--dns-udp-backend', 'fast'], {}, V), { message: `--dns-udp-backend must be one of 'auto', 'mmsg', 'node', got "fast"` });
});

t.test('environment variables, below flags; identity variables are left to the identity library', async (t) => {
  const env = { ORIGIN_HTTP_HOST: '0.0.0.0', ORIGIN_HTTP_WORKERS: '2', ORIGIN_DNS_RRL: 'off', ORIGIN_DNS_HIDE_IDENTITY: 'true', ORIGIN_DNS_ZONE_NAME: 'z.example', ORIGIN_DNS_ZONE_AAAA: '2001:db8::1' };
  const s = parse(['--http-workers', '4'], env);
  t.match(s.http, { host: '0.0.0.0', workers: 4 }, 'flag beats env');
  t.match(s.dns, { rrl: false, hideIdentity: true, zone: { name: 'z.example', aaaa: ['2001:db8::1'] } });
  t.same(parse([], { ORIGIN_ID: 'from-env', AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1' }).identity, { source: 'auto', imds: { timeoutMs: 1000, tokenTtlSeconds: 60 } }, 'not read here');
});

t.test('config file: nested keys, below env and flags; errors name the file and key', async (t) => {
  const dir = t.testdir({
    'ok.json': JSON.stringify({ $comment: 'notes are allowed', http: { host: '127.0.0.2', port: 8081, workers: 2 }, dns: { host: '127.0.0.2', port: 8054, zone: { name: 'example.net', a: ['192.0.2.7'], ttl: 60 }, rrl: { windowSeconds: 5 } }, drainSeconds: 10 }),
    'unknown.json': JSON.stringify({ http: { workers: 1, thredas: 2 } }),
    'bad.json': '{ "http": ',
    'range.json': JSON.stringify({ dns: { zone: { name: 'example.net', a: ['192.0.2.1', '::1'] } } }),
    'off.json': JSON.stringify({ dns: { rrl: false } }),
  });
  const s = parse(['--config', `${dir}/ok.json`, '--drain-seconds', '3'], { ORIGIN_HTTP_WORKERS: '1' });
  t.match(s.http, { host: '127.0.0.2', port: 8081, workers: 1 }, 'env beats file');
  t.equal(s.drainSeconds, 3, 'flag beats file');
  t.match(s.dns, { zone: { name: 'example.net', a: ['192.0.2.7'], ttl: 60 }, rrl: { windowSeconds: 5, slip: 2 } });
  t.match(parse(['--dns-zone-a', '192.0.2.9', '--config', `${dir}/ok.json`]).dns, { zone: { name: 'example.net', a: ['192.0.2.9'], ttl: 60 } }, 'a flag overrides one member');
  t.match(parse([], { ORIGIN_CONFIG: `${dir}/ok.json` }).http, { workers: 2 }, 'ORIGIN_CONFIG');
  t.match(parse(['--config', `${dir}/off.json`, '--dns-rrl-slip', '1']).dns, { rrl: { slip: 1, responsesPerSecond: 200 } }, 'a member given later turns the group back on');
  t.throws(() => parse(['--config', `${dir}/unknown.json`]), { code: 'ORIGIN_ERR_USAGE', message: /unknown\.json: http\.thredas is not a known option \(known: host, port, workers, / });
  t.throws(() => parse(['--config', `${dir}/bad.json`]), { message: /bad\.json: not valid JSON/ });
  t.throws(() => parse(['--config', `${dir}/range.json`]), { message: /range\.json: dns\.zone\.a\[1\] must be an IPv4 address, got "::1"$/ });
});

t.test('every bad value is a UsageError naming the flag or variable, with the library\'s words', async (t) => {
  const cases: [string[], NodeJS.ProcessEnv, string | RegExp][] = [
    [['--http-workers', 'many'], {}, '--http-workers must be an integer 1..256, got "many"'],
    [['--http-workers', '0'], {}, '--http-workers must be an integer 1..256, got 0'],
    [['--http-workers', '1000'], {}, '--http-workers must be an integer 1..256, got 1000'],
    [['--http-host', 'localhost'], {}, '--http-host must be an IPv4 or IPv6 address, got "localhost"'],
    [['--dns-port', '70000'], {}, '--dns-port must be an integer 0..65535, got 70000'],
    [['--dns-zone-ns', 'a'], {}, '--dns-zone-name is required (a domain name)'],
    [['--dns-zone-name', 'bad name'], {}, '--dns-zone-name must be a domain name, got "bad name"'],
    [['--dns-zone-name', 'x.example', '--dns-zone-a', '1.2.3.4,nope'], {}, '--dns-zone-a[1] must be an IPv4 address, got "nope"'],
    [['--dns-rrl', 'maybe'], {}, '--dns-rrl must be on or off, got "maybe"'],
    [[], { ORIGIN_DNS_RRL_SLIP: '99' }, 'ORIGIN_DNS_RRL_SLIP must be an integer 0..10, got 99'],
    [[], { ORIGIN_DNS_HIDE_IDENTITY: 'perhaps' }, 'ORIGIN_DNS_HIDE_IDENTITY must be true or false, got "perhaps"'],
    [[], { ORIGIN_LOG_LEVEL: 'loud' }, /^ORIGIN_LOG_LEVEL must be one of 'fatal', /],
    [['--http-port', '8053', '--dns-port', '8053'], {}, '--dns-port 8053 on 127.0.0.1 is also the HTTP port (both use TCP)'],
    [['extra'], {}, /too many arguments/],
  ];
  for (const [argv, env, message] of cases) {
    const err = t.throws(() => parseArgs(argv, env, V), `${argv.join(' ')} ${JSON.stringify(env)}`) as unknown as UsageError;
    t.ok(err instanceof UsageError);
    t.equal(err.exitCode, 2);
    t.match(err.message, message);
  }
});

t.test('--help: every flag with its values, default and variable; --version', async (t) => {
  const help = parseArgs(['--help'], {}, V);
  t.equal(help.kind, 'exit');
  const text = help.kind === 'exit' ? help.output.replace(/\s+/g, ' ') : '';
  for (const f of FLAGS) t.ok(text.includes(f.flag), `${f.flag} listed`);
  t.match(text, /--dns-rrl-slip <n> every n-th limited response is sent truncated \(TC\) instead of dropped; 0 drops all \(0\.\.10; default: 2; env: ORIGIN_DNS_RRL_SLIP\)/);
  t.match(text, /--identity-id <value> the identity string servers answer with .*env: ORIGIN_ID\)/);
  t.same(parseArgs(['--version'], {}, V), { kind: 'exit', code: 0, output: `${V}\n` });
  t.ok(buildProgram(V).options.length > FLAGS.length, 'flags plus --config, --help, --version');
});

t.test('no value restated: every flag\'s default and range are the library description\'s', async (t) => {
  const slip = FLAGS.find((f) => f.key === 'dns.rrl.slip');
  t.equal(slip?.meta, metaAt(DNS_OPTIONS, ['rrl', 'slip']), 'the very description object of the library');
  for (const f of FLAGS.filter((x) => x.path[0] === 'dns' && x.path.length > 1)) t.equal(f.meta, metaAt(DNS_OPTIONS, f.path.slice(1)), f.flag);
});

t.test('the README flag table is the one the descriptions make', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  t.equal(tableIn(readme, FLAGS_START, FLAGS_END), flagsTable(FLAGS));
});
