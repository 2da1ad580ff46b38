import t from 'tap';
import { parseArgs, FLAGS } from '../src/args.js';
import { DEFAULTS } from '../src/config.js';

const V = '9.9.9';
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = parseArgs(argv, env, V);
  if (r.kind !== 'run') throw new Error('expected run');
  return r.settings;
};

t.test('no flags: HTTP 127.0.0.1:8080, DNS 127.0.0.1:8053, auto identity, RRL on', async (t) => {
  const s = parse([]);
  t.same(s.http, { host: '127.0.0.1', port: 8080 });
  t.same(s.dns, { host: '127.0.0.1', port: 8053 });
  t.same(s.identity, { source: 'auto' });
  t.equal(s.threads, DEFAULTS.threads);
  t.equal(s.dnsWorkers, 1);
  t.equal(s.dnsUdp, 'auto');
  t.equal(s.drainSeconds, 90);
  t.same(s.rrl, {});
  t.equal(s.logLevel, 'info');
  t.equal(s.zone, undefined);
});

t.test('flags', async (t) => {
  const s = parse(['--http', '[::1]:0', '--dns', 'off', '--id', 'edge-1', '--region', 'eu-central-1', '--az', 'eu-central-1a',
    '--identity-source', 'env', '--threads', '3', '--drain-seconds', '0', '--log-level', 'warn', '--hide-version', '--allow-uws-fallback']);
  t.same(s.http, { host: '::1', port: 0 });
  t.equal(s.dns, null);
  t.same(s.identity, { source: 'env', id: 'edge-1', region: 'eu-central-1', availabilityZone: 'eu-central-1a' });
  t.equal(s.threads, 3);
  t.equal(s.drainSeconds, 0);
  t.equal(s.logLevel, 'warn');
  t.equal(s.hideVersion, true);
  t.equal(s.hideIdentity, false);
  t.equal(s.allowUwsFallback, true);
});

t.test('--dns-udp / ORIGIN_DNS_UDP / dnsUdp pick the DNS UDP I/O; anything else is a usage error', async (t) => {
  t.equal(parse(['--dns-udp', 'node']).dnsUdp, 'node');
  t.equal(parse([], { ORIGIN_DNS_UDP: 'mmsg' }).dnsUdp, 'mmsg');
  t.equal(parse(['--dns-udp', 'auto'], { ORIGIN_DNS_UDP: 'node' }).dnsUdp, 'auto', 'flag beats env');
  t.throws(() => parseArgs(['--dns-udp', 'fast'], {}, V), /--dns-udp: "fast" is not one of auto, mmsg, node/);
});

t.test('zone and RRL flags', async (t) => {
  const s = parse(['--zone', 'anycast.example.net', '--zone-a', '192.0.2.1,192.0.2.2', '--zone-ns', 'ns1.example.net', '--rrl-rate', '50', '--rrl-slip', '0']);
  t.same(s.zone, { name: 'anycast.example.net', a: ['192.0.2.1', '192.0.2.2'], ns: ['ns1.example.net'] });
  t.same(s.rrl, { responsesPerSecond: 50, slip: 0 });
  t.equal(parse(['--no-rrl']).rrl, false);
});

t.test('environment variables, below flags', async (t) => {
  const env = { ORIGIN_HTTP: '0.0.0.0:80', ORIGIN_THREADS: '2', ORIGIN_NO_RRL: '1', ORIGIN_HIDE_IDENTITY: 'true', ORIGIN_ZONE: 'z.example', ORIGIN_ZONE_AAAA: '2001:db8::1' };
  const s = parse(['--threads', '4'], env);
  t.same(s.http, { host: '0.0.0.0', port: 80 });
  t.equal(s.threads, 4, 'flag beats env');
  t.equal(s.rrl, false);
  t.equal(s.hideIdentity, true);
  t.same(s.zone, { name: 'z.example', aaaa: ['2001:db8::1'] });
  t.same(parse([], { ORIGIN_ID: 'from-env' }).identity, { source: 'auto' }, 'identity variables are left to the identity library');
});

t.test('config file: below env and flags; unknown key named', async (t) => {
  const dir = t.testdir({
    'ok.json': JSON.stringify({ http: '127.0.0.2:8081', dns: '127.0.0.2:8054', threads: 2, zone: { name: 'example.net', a: ['192.0.2.7'], ttl: 60 }, rrl: { windowSeconds: 5 }, drainSeconds: 10 }),
    'unknown.json': JSON.stringify({ threads: 1, thredas: 2 }),
    'nested.json': JSON.stringify({ rrl: { slip: 2, burst: 3 } }),
    'bad.json': '{ "threads": ',
    'range.json': JSON.stringify({ zone: { name: 'example.net', a: ['192.0.2.1', '::1'] } }),
  });
  const s = parse(['--config', `${dir}/ok.json`, '--drain-seconds', '3'], { ORIGIN_THREADS: '1' });
  t.same(s.http, { host: '127.0.0.2', port: 8081 });
  t.equal(s.threads, 1, 'env beats file');
  t.equal(s.drainSeconds, 3, 'flag beats file');
  t.same(s.zone, { name: 'example.net', a: ['192.0.2.7'], ttl: 60 });
  t.same(s.rrl, { windowSeconds: 5 });
  t.same(parse(['--zone-a', '192.0.2.9', '--config', `${dir}/ok.json`]).zone, { name: 'example.net', a: ['192.0.2.9'], ttl: 60 }, 'a flag overrides one zone record set');
  t.same(parse([], { ORIGIN_CONFIG: `${dir}/ok.json` }).threads, 2, 'ORIGIN_CONFIG');

  t.throws(() => parseArgs(['--config', `${dir}/unknown.json`], {}, V), { code: 'ORIGIN_ERR_CONFIG', exitCode: 2, message: /unknown key "thredas"/ });
  t.throws(() => parseArgs(['--config', `${dir}/nested.json`], {}, V), { code: 'ORIGIN_ERR_CONFIG', message: /unknown key "burst" in rrl/ });
  t.throws(() => parseArgs(['--config', `${dir}/bad.json`], {}, V), { code: 'ORIGIN_ERR_CONFIG', message: /not valid JSON/ });
  t.throws(() => parseArgs(['--config', `${dir}/missing.json`], {}, V), { code: 'ORIGIN_ERR_CONFIG', message: /cannot read: ENOENT/ });
  t.throws(() => parseArgs(['--config', `${dir}/range.json`], {}, V), { code: 'ORIGIN_ERR_CONFIG', message: /key zone\.a\.1: must be an IPv4 address/ });
});

t.test('bad flags and variables: a UsageError naming the flag or variable (exit 2)', async (t) => {
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--threads', 'many'], {}, /^--threads: "many" is not a non-negative integer$/],
    [['--threads', '0'], {}, /^--threads: Too small/i],
    [['--threads', '1000'], {}, /^--threads: Too big/i],
    [['--http', 'localhost'], {}, /^--http: "localhost" is not ADDR:PORT/],
    [['--http', '1.2.3.4:70000'], {}, /^--http: .* is not ADDR:PORT/],
    [['--dns', 'example.com:53'], {}, /^--dns: "example.com" is not an IP address/],
    [['--identity-source', 'cloud'], {}, /^--identity-source: "cloud" is not one of auto, imds, env, os$/],
    [['--log-level', 'loud'], {}, /^--log-level: Invalid option/i],
    [['--bogus'], {}, /unknown option '--bogus'/],
    [['--drain-seconds'], {}, /argument missing/],
    [['extra'], {}, /too many arguments/],
    [['--zone-a', '192.0.2.1'], {}, /^--zone-a: needs a zone name \(--zone\)$/],
    [['--zone', 'bad..name'], {}, /^--zone: must be a DNS name$/],
    [['--no-rrl', '--rrl-rate', '5'], {}, /^--no-rrl conflicts with --rrl-rate$/],
    [['--http', 'off', '--dns', 'off'], {}, /both off: nothing to serve/],
    [['--http', '127.0.0.1:9000', '--dns', '127.0.0.1:9000'], {}, /also the HTTP address/],
    [[], { ORIGIN_THREADS: 'x' }, /^ORIGIN_THREADS: "x" is not a non-negative integer$/],
    [[], { ORIGIN_DRAIN_SECONDS: '99999' }, /^ORIGIN_DRAIN_SECONDS: Too big/i],
    [[], { ORIGIN_HIDE_VERSION: 'maybe' }, /^ORIGIN_HIDE_VERSION: "maybe" is not a boolean/],
    [[], { ORIGIN_DNS: 'nope' }, /^ORIGIN_DNS: "nope" is not ADDR:PORT/],
  ];
  for (const [argv, env, re] of cases) {
    t.throws(() => parseArgs(argv, env, V), { code: 'ORIGIN_ERR_USAGE', exitCode: 2, message: re }, `${argv.join(' ')} ${JSON.stringify(env)}`);
  }
});

t.test('--help lists every flag with its default and env name; --version', async (t) => {
  const help = parseArgs(['--help'], {}, V);
  t.equal(help.kind, 'exit');
  if (help.kind !== 'exit') return;
  t.equal(help.code, 0);
  const text = help.output.replace(/\s+/g, ' ');
  for (const f of FLAGS) {
    t.ok(text.includes(f.flags.split(' ')[0] as string), `${f.flags} listed`);
    if (f.env) t.ok(text.includes(`env: ${f.env}`), `${f.env} listed`);
  }
  t.match(text, /default: 127\.0\.0\.1:8080/);
  t.match(help.output, /--config <file>/);
  t.same(parseArgs(['--version'], {}, V), { kind: 'exit', code: 0, output: '9.9.9\n' });
});
