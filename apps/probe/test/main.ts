import t from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '@anycast-origin/testkit';
import { main, VERSION } from '../src/main.js';
import { SEED_DIAL_100, SEED_EU_DIAL_50 } from './fixtures/atlas.js';
import { startFakeAtlas } from './fixtures/fake-atlas.js';
import { EU, US_WEST, closedPort, startDnsOrigin, startHttpOrigin } from './fixtures/peers.js';

const BIN = fileURLToPath(new URL('../bin/probe.js', import.meta.url));

/** Run the command line in this process; stdout and stderr captured (stderr is not a terminal). */
async function probe(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  err.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await main({ argv, env, stdout: out, stderr: err });
  return { code, stdout, stderr };
}

t.test('--help, --version, no command', async (t) => {
  const help = await probe(['--help']);
  t.equal(help.code, 0);
  for (const c of ['http', 'dns', 'sweep', 'atlas', 'compare', 'predict']) t.match(help.stdout, new RegExp(`\\n  ${c} `));
  t.same(await probe(['--version']), { code: 0, stdout: `${VERSION}\n`, stderr: '' });
  const sub = await probe(['atlas', 'measure', '--help']);
  t.match(sub.stdout, /--api-url <URL>\s+RIPE Atlas API base URL \(default:\s+'https:\/\/atlas\.ripe\.net'\)/);
  t.match(sub.stdout, /--key <KEY>.*env: RIPE_ATLAS_KEY/s);
  const none = await probe([]);
  t.equal(none.code, 2);
  t.match(none.stderr, /^Usage: probe /, 'no command: the help, on stderr');
});

t.test('probe http: table, json, csv; exit 1 when nothing answered', async (t) => {
  const url = await startHttpOrigin(t, US_WEST);
  const table = await probe(['http', url, '-n', '6', '-c', '2']);
  t.equal(table.code, 0);
  t.equal(table.stderr, '', 'no progress when stderr is not a terminal');
  t.match(table.stdout, `${url}: 6 requests, 6 answered, 0 failed`);
  t.match(table.stdout, /count\s+share\s+identity\s+region\n\s*6\s+100\.0%\s+i-0e32d5b1a3f76cc05\.us-west-2c\s+us-west-2/);
  t.match(table.stdout, /latency ms\s+p50\s+p90\s+p99\nconnect\s+[\d.]+/);
  const json = JSON.parse((await probe(['http', url, '--count', '4', '--output', 'json'])).stdout) as Record<string, unknown>;
  t.match(json, { total: 4, ok: 4, errors: 0, answers: [{ identity: US_WEST.id, region: 'us-west-2', count: 4, share: 1 }], latencyMs: { p50: Number } });
  t.equal((await probe(['http', url, '-n', '2', '--output', 'csv'])).stdout, `type,name,region,count,share\nanswer,${US_WEST.id},us-west-2,2,1\n`);
  const port = await closedPort();
  const refused = await probe(['http', `http://127.0.0.1:${port}/`, '-n', '2']);
  t.equal(refused.code, 1);
  t.match(refused.stdout, /refused\s+2\s+.*ECONNREFUSED/);
});

t.test('progress goes to stderr when it is a terminal, and is cleared at the end', async (t) => {
  const url = await startHttpOrigin(t, US_WEST);
  const out = new PassThrough();
  const err = Object.assign(new PassThrough(), { isTTY: true });
  let stderr = '';
  err.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  out.resume();
  const slow = await startDnsOrigin(t, EU);
  t.equal(await main({ argv: ['http', url, '-n', '30'], env: {}, stdout: out, stderr: err }), 0);
  t.equal(await main({ argv: ['dns', slow, '-n', '30'], env: {}, stdout: out, stderr: err }), 0);
  t.match(stderr.replaceAll('\x1b[K', ''), /\r\d+\/30 (requests|queries)/, 'a progress line, rewritten in place (CR, erase line)');
  t.ok(stderr.endsWith('\r\x1b[K'), 'cleared at the end');
});

t.test('probe dns over UDP and TCP', async (t) => {
  const server = await startDnsOrigin(t, EU);
  for (const extra of [[], ['--tcp', '--nsid']]) {
    const r = await probe(['dns', server, '-n', '3', ...extra, '--output', 'json']);
    t.equal(r.code, 0);
    t.match(JSON.parse(r.stdout), { total: 3, ok: 3, answers: [{ identity: EU.id, region: 'eu-central-1' }] });
  }
});

t.test('usage errors: exit 2, one line naming the flag or argument as written', async (t) => {
  const cases: [string[], RegExp][] = [
    [['http', 'ftp://x/'], /^probe: URL must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x\/" \(see probe http --help\)\n$/],
    [['http', 'http://127.0.0.1/', '-n', '0'], /^probe: --count must be an integer 1\.\.1000000, got 0 \(see probe http --help\)\n$/],
    [['http', 'http://127.0.0.1/', '--count', 'many'], /^probe: --count must be an integer 1\.\.1000000, got "many"/],
    [['dns', '127.0.0.1', '--qclass', 'XX'], /^probe: --qclass must be one of 'CH', 'IN', 'HS', 'ANY', got "XX"/],
    [['dns', '127.0.0.1', '--output', 'xml'], /^probe: --output must be one of 'table', 'json', 'csv', got "xml"/],
    [['dns'], /^probe: missing required argument 'SERVER\[:PORT\]' \(see probe dns --help\)/],
    [['dns', '127.0.0.1', '--bogus'], /^probe: unknown option '--bogus'/],
    [['atlas', SEED_DIAL_100, '--map', 'x.jpg'], /^probe: --map must be a file name ending in \.png or \.svg, got "x\.jpg"/],
    [['atlas', 'measure', '--target', '192.0.2.1', '--api-url', 'http://127.0.0.1:9/'], /^probe: --key is required \(a RIPE Atlas API key/],
    [['atlas', 'measure', '--target', '192.0.2.1', '--poll-seconds', '0'], /^probe: --poll-seconds must be a number 0\.01\.\.3600 \(s\), got 0/],
    [['nope'], /^probe: unknown command 'nope'/],
  ];
  for (const [argv, message] of cases) {
    const r = await probe(argv);
    t.equal(r.code, 2, argv.join(' '));
    t.match(r.stderr, message, argv.join(' '));
    t.equal(r.stderr.split('\n').length, 2, 'one line');
  }
  const env = await probe(['atlas', 'measure', '--target', '192.0.2.1'], { RIPE_ATLAS_KEY: 'has space' });
  t.match(env.stderr, /^probe: RIPE_ATLAS_KEY must be an API key, got "has space"/, 'a bad variable is named as the variable');
});

t.test("probe atlas: the seed's tables, maps; compare", async (t) => {
  const dir = t.testdir();
  const a = await probe(['atlas', SEED_DIAL_100, '--output', 'json', '--map', join(dir, 'dial-100.png'), '--map-width', '800']);
  t.equal(a.code, 0, a.stderr);
  t.same(JSON.parse(a.stdout), { probes: 470, regions: { 'eu-central-1': { count: 352, share: 0.7489 }, 'us-east-1': { count: 64, share: 0.1362 }, 'us-west-2': { count: 31, share: 0.066 }, 'ap-southeast-1': { count: 23, share: 0.0489 } }, unknown: 0 });
  t.same([...readFileSync(join(dir, 'dial-100.png')).subarray(1, 4)], [...Buffer.from('PNG')]);
  const b = await probe(['atlas', SEED_EU_DIAL_50, '--map', join(dir, 'eu-dial-50.svg')]);
  t.match(b.stdout, /: 469 probes\n\nregion\s+count\s+share\nus-east-1\s+259\s+55\.2%\neu-central-1\s+155\s+33\.0%\nus-west-2\s+31\s+6\.6%\nap-southeast-1\s+24\s+5\.1%\n\nmap: .*eu-dial-50\.svg\n$/);
  t.match(readFileSync(join(dir, 'eu-dial-50.svg'), 'utf8'), /^<svg /);
  t.equal((await probe(['atlas', SEED_DIAL_100, '--output', 'csv'])).stdout, 'region,count,share\neu-central-1,352,0.7489\nus-east-1,64,0.1362\nus-west-2,31,0.066\nap-southeast-1,23,0.0489\n');

  const c = await probe(['compare', SEED_DIAL_100, SEED_EU_DIAL_50]);
  t.equal(c.code, 0);
  t.match(c.stdout, /matched 469 probes by position/);
  t.match(c.stdout, /moved from\s+to\s+count\neu-central-1\s+us-east-1\s+196\neu-central-1\s+ap-southeast-1\s+1\n/);
  t.match(JSON.parse((await probe(['compare', SEED_DIAL_100, SEED_EU_DIAL_50, '--output', 'json'])).stdout), { matched: 469, moved: [{ from: 'eu-central-1', to: 'us-east-1', count: 196 }] });

  const missing = await probe(['atlas', join(dir, 'missing.json')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^probe: .*missing\.json: cannot read: ENOENT/);
  const unwritable = await probe(['atlas', SEED_DIAL_100, '--map', join(dir, 'no', 'such', 'dir', 'm.svg')]);
  t.equal(unwritable.code, 1);
  t.match(unwritable.stderr, /cannot write/);
});

t.test('probe sweep writes results that probe atlas reads back', async (t) => {
  const server = await startDnsOrigin(t, EU);
  const dir = t.testdir({
    'vantage.json': JSON.stringify([{ id: 1, address: '127.0.3.1', latitude: 52.4, longitude: 4.9, name: 'amsterdam' }, { id: 2, address: '127.0.3.2', latitude: 35.7, longitude: 139.7, name: 'tokyo' }]),
    'state.json': JSON.stringify({ api: 'x', vantagePoints: [{ id: 'seattle', address: '127.0.3.3', latitude: 47.6, longitude: -122.3 }] }),
    'bad.json': JSON.stringify([{ id: 1, address: 'nowhere', latitude: 0, longitude: 0 }]),
  });
  const out = join(dir, 'results.json');
  const r = await probe(['sweep', 'dns', server, '--vantage', join(dir, 'vantage.json'), '--out', out]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /sweep of 2 vantage points \(2 answered\): 2 probes/);
  const back = await probe(['atlas', out, '--output', 'json']);
  t.same(JSON.parse(back.stdout), { probes: 2, regions: { 'eu-central-1': { count: 2, share: 1 } }, unknown: 0 });
  const state = await probe(['sweep', 'dns', server, '--vantage', join(dir, 'state.json'), '--out', out, '--output', 'json']);
  t.equal(JSON.parse(state.stdout).probes, 1, "the lab's state file works as a vantage list");
  const bad = await probe(['sweep', 'dns', server, '--vantage', join(dir, 'bad.json'), '--out', out]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^probe: --vantage .*bad\.json:/);
  const none = await probe(['sweep', 'dns', '127.0.0.1:1', '--vantage', join(dir, 'vantage.json'), '--out', out, '--timeout-ms', '200']);
  t.equal(none.code, 1, 'nothing answered');
  t.equal((await probe(['sweep', 'dns', server, '--out', out])).code, 2, '--vantage is required');
});

t.test('probe atlas measure against the fake API: key from the environment, results and map written', async (t) => {
  const f = await startFakeAtlas({ key: 'k-1', probes: [{ id: 1, latitude: 50.1, longitude: 8.7, identity: EU.id }, { id: 2, latitude: 45.5, longitude: -122.7, identity: US_WEST.id }, { id: 3, latitude: 0, longitude: 0 }], pollsUntilStopped: 1 });
  t.teardown(() => f.close());
  const dir = t.testdir();
  const r = await probe(['atlas', 'measure', '--target', '192.0.2.1', '--probes', '3', '--api-url', f.url, '--poll-seconds', '0.01', '--out', join(dir, 'r.json'), '--map', join(dir, 'm.png')], { RIPE_ATLAS_KEY: 'k-1' });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /measurement 80000001: 3 probes\n\nregion\s+count\s+share\neu-central-1\s+1\s+33\.3%\nus-west-2\s+1\s+33\.3%\nno region\s+1\s+33\.3%/);
  t.ok(existsSync(join(dir, 'm.png')));
  const back = await probe(['atlas', join(dir, 'r.json'), '--output', 'json']);
  t.same(JSON.parse(back.stdout), { probes: 3, regions: { 'eu-central-1': { count: 1, share: 0.3333 }, 'us-west-2': { count: 1, share: 0.3333 } }, unknown: 1 });
  const denied = await probe(['atlas', 'measure', '--target', '192.0.2.1', '--key', 'wrong', '--api-url', f.url]);
  t.equal(denied.code, 1);
  t.match(denied.stderr, /^probe: RIPE Atlas API POST \/api\/v2\/measurements\/: HTTP 403/);
});

t.test('probe predict: from the catchment and from geography, against the measured runs', async (t) => {
  const r = await probe(['predict', '--catchment', SEED_DIAL_100, '--dial', 'eu-central-1=50', '--against', SEED_EU_DIAL_50, '--output', 'json']);
  t.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { probes: number; regions: Record<string, { count: number }>; measured: { probes: number; tvd: number } };
  t.match(j, { probes: 470, firstChoice: 'measured', dials: { 'eu-central-1': 50, 'us-east-1': 100 }, regions: { 'eu-central-1': { count: 176 } }, measured: { probes: 469 } });
  t.ok(j.measured.tvd <= 0.1, `TVD ${j.measured.tvd}`);
  const table = await probe(['predict', '--catchment', SEED_DIAL_100, '--dial', 'eu-central-1=50%', '--against', SEED_EU_DIAL_50]);
  t.match(table.stdout, /^470 probes, first choice the measured region, dials ap-southeast-1=100 eu-central-1=50 us-east-1=100 us-west-2=100\n\nregion\s+predicted\s+share\s+measured\s+share\n/);
  t.match(table.stdout, /\neu-central-1\s+176\.0\s+37\.4%\s+155\s+33\.0%\n/);
  t.match(table.stdout, /total variation distance from the measured run: 0\.0\d+\n$/);
  const geo = await probe(['predict', '--positions', SEED_DIAL_100, '--regions', 'ap-southeast-1,eu-central-1,us-east-1,us-west-2', '--against', SEED_DIAL_100, '--output', 'json']);
  t.ok((JSON.parse(geo.stdout) as { measured: { tvd: number } }).measured.tvd <= 0.05);
  t.equal((await probe(['predict', '--positions', SEED_DIAL_100, '--output', 'csv'])).stdout.split('\n')[0], 'region,count,share');

  const usage: [string[], RegExp][] = [
    [['predict', '--dial', 'eu-central-1=50'], /^probe: give one of --catchment FILE/],
    [['predict', '--catchment', SEED_DIAL_100, '--positions', SEED_DIAL_100], /^probe: give one of/],
    [['predict', '--catchment', SEED_DIAL_100, '--dial', 'eu-central-1=150'], /^probe: --dial must be REGION=PERCENT with PERCENT 0\.\.100, got "eu-central-1=150"/],
    [['predict', '--catchment', SEED_DIAL_100, '--dial', 'half'], /^probe: --dial/],
    [['predict', '--catchment', SEED_DIAL_100, '--regions', 'eu-central-1,us-east-1', '--dial', 'sa-east-1=50'], /^probe: --dial must name groups of the listener \(eu-central-1, us-east-1\), got "sa-east-1"/],
    [['predict', '--catchment', SEED_DIAL_100, '--regions', 'eu-central-1,xx-nowhere-1'], /^probe: --regions must be Regions Global Accelerator supports endpoints in, got "xx-nowhere-1"/],
    [['predict', '--catchment', SEED_DIAL_100, '--regions', 'eu-central-1,moon-base-1'], /^probe: --regions\[1\] must be an AWS region, got "moon-base-1"/],
  ];
  for (const [argv, message] of usage) {
    const u = await probe(argv);
    t.equal(u.code, 2, argv.join(' '));
    t.match(u.stderr, message, argv.join(' '));
  }
});

t.test('the bin launcher: runs the built CLI, or says to build', async (t) => {
  const ok = await run(process.execPath, [BIN, 'atlas', SEED_DIAL_100, '--output', 'csv']);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /^region,count,share\neu-central-1,352/);
  const usage = await run(process.execPath, [BIN, 'http']);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /^probe: missing required argument 'URL'/);
  const dir = t.testdir();
  mkdirSync(join(dir, 'bin'));
  copyFileSync(BIN, join(dir, 'bin', 'probe.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const unbuilt = await run(process.execPath, [join(dir, 'bin', 'probe.js'), '--help']);
  t.equal(unbuilt.code, 1);
  t.match(unbuilt.stderr, /run npm run build/);
});
