/**
 * The deployable artifact (scripts/package.mjs): what it holds for each target base, and that
 * it runs where it is unpacked with no npm and no workspace around it. The default (Debian 13,
 * Node.js 24 bundled) needs glibc >= 2.38 for its uWS 20.57: where this process has that
 * (CI's Debian 13 root) it serves HTTP and DNS from its own Node.js; on an older glibc (this
 * Debian 12 machine) it serves DNS and refuses to serve HTTP on the slow fallback. CI's Debian
 * 13 run has no npm to build with: there ANYCAST_ORIGIN_ARTIFACT names the artifact the first
 * run built (it sets ANYCAST_ORIGIN_ARTIFACT_OUT there to keep a copy).
 */
import t from 'tap';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { connect } from 'node:net';
import { request } from 'node:http';
import { dig, hasCommand, isCI, needs, run } from '@anycast-origin/testkit';
import type { Test } from 'tap';
import { spawnOrigin } from './fixtures/origin.js';

// Two artifacts with cross builds and offline installs: minutes on a loaded machine.
t.setTimeout(900_000);

const APP = fileURLToPath(new URL('../', import.meta.url));
const PIN = JSON.parse(readFileSync(join(APP, 'node-runtime.json'), 'utf8')) as { version: string };
const PREBUILT = process.env.ANYCAST_ORIGIN_ARTIFACT;
const KEEP = process.env.ANYCAST_ORIGIN_ARTIFACT_OUT;
const CAN_BUILD = !PREBUILT && hasCommand('npm');
const SYSTEMD_ARCH: Record<string, string> = { x64: 'x86-64', arm64: 'arm64' };
const BUNDLED_NODE = `runtime/node-v${PIN.version}-${SYSTEMD_ARCH[process.arch] ?? process.arch}/bin/node`;

function glibc(): [number, number] {
  const v = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime ?? '0.0';
  const [a = 0, b = 0] = v.split('.').map(Number);
  return [a, b];
}
const [gMajor, gMinor] = glibc();
const GLIBC_238 = gMajor > 2 || (gMajor === 2 && gMinor >= 38);

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (d: string) => (b += d)).on('end', () => resolve(b));
    }).on('error', reject).end();
  });
}

/** The first status line an HTTP/1.0 request gets within 2 s, or '' (uWS 20.57: 505 at once). */
function http10(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.0\r\n\r\n'));
    let text = '';
    const done = (): void => { clearTimeout(timer); s.destroy(); resolve(text.split('\r\n')[0] ?? ''); };
    const timer = setTimeout(done, 2000);
    s.on('data', (d: Buffer) => { text += d.toString('latin1'); if (text.includes('\r\n')) done(); });
    s.on('error', done);
    s.on('close', done);
  });
}

async function build(t: Test, args: string[]): Promise<{ code: number | null; stderr: string; file: string }> {
  const file = join(t.testdir({ unpacked: {} }), 'anycast-origin-linux.tar.gz');
  const r = await run(process.execPath, [join(APP, 'scripts', 'package.mjs'), ...args, '--out', file], { cwd: APP, timeoutMs: 400_000 });
  if (r.code === 0) t.equal(r.stdout.trim(), file, 'prints the artifact path');
  return { code: r.code, stderr: r.stderr, file };
}

/** Unpack into the test's directory (made by build(), or here for a prebuilt artifact). */
async function unpack(t: Test, file: string): Promise<string> {
  const dir = join(PREBUILT ? t.testdir({}) : t.testdirName, 'unpacked');
  mkdirSync(dir, { recursive: true });
  t.equal((await run('tar', ['-xzf', file, '-C', dir])).code, 0, 'tar -xzf');
  return join(dir, 'anycast-origin');
}

/** Start the unpacked artifact's CLI with `node`; resolves the 'serving' log line. */
async function start(t: Test, node: string, root: string, args: string[]): Promise<{ o: ReturnType<typeof spawnOrigin>; start: Record<string, unknown> | undefined }> {
  const o = spawnOrigin(t, ['--identity-source', 'os', '--identity-id', 'artifact', '--drain-seconds', '0', ...args], {}, node, [join(root, 'dist', 'cli.js')]);
  const deadline = Date.now() + 20_000;
  while (!o.logs.some((l) => l.msg === 'serving') && Date.now() < deadline && o.child.exitCode === null) await new Promise((r) => setTimeout(r, 25));
  return { o, start: o.logs.find((l) => l.msg === 'serving') };
}

// Without npm and without a prebuilt artifact there is nothing to test: a skip, or under CI a failure.
const noArtifact = (): { skip?: string } => {
  if (PREBUILT || CAN_BUILD) return {};
  if (isCI()) throw new Error('no npm to build the artifact with and no ANYCAST_ORIGIN_ARTIFACT (CI must give one of them)');
  return { skip: 'no npm here to build the artifact, and ANYCAST_ORIGIN_ARTIFACT is not set' };
};

t.test('Debian 13 (default): uWS 20.57 and Node.js 24 for x64 and arm64, the unit on the bundled node', noArtifact(), async (t) => {
  let file = PREBUILT ?? '';
  if (!PREBUILT) {
    const r = await build(t, []);
    t.equal(r.code, 0, r.stderr.slice(-2000));
    file = r.file;
    if (KEEP) {
      mkdirSync(dirname(KEEP), { recursive: true });
      copyFileSync(file, KEEP);
    }
  }
  const root = await unpack(t, file);
  t.match(JSON.parse(readFileSync(join(root, 'artifact.json'), 'utf8')), { base: 'debian-13', glibc: '2.41', node: { bundled: PIN.version }, abi: 137 });
  t.same(readdirSync(join(root, 'node_modules', 'uWebSockets.js-20.57')).filter((f) => f.endsWith('.node')).sort(), ['uws_linux_arm64_137.node', 'uws_linux_x64_137.node'], 'uWS 20.57 for Node 24 only');
  t.same(readdirSync(join(root, 'node_modules', 'uWebSockets.js', 'binaries')), [], 'no uWS 20.30 binary: none has Node 24 ABI');
  t.same(readdirSync(join(root, 'node_modules', 'uWebSockets.js'), { recursive: true }).filter((f) => String(f).endsWith('.node')), [], 'nor its unused copies in dist/');
  t.same(readdirSync(join(root, 'runtime')).sort(), [`node-v${PIN.version}-arm64`, `node-v${PIN.version}-x86-64`]);
  // ELF e_machine (offset 18): 0x3e x86-64, 0xb7 AArch64.
  t.equal(readFileSync(join(root, 'runtime', `node-v${PIN.version}-x86-64`, 'bin', 'node')).readUInt16LE(18), 0x3e);
  t.equal(readFileSync(join(root, 'runtime', `node-v${PIN.version}-arm64`, 'bin', 'node')).readUInt16LE(18), 0xb7);
  t.ok(existsSync(join(root, 'runtime', `node-v${PIN.version}-x86-64`, 'LICENSE')), "Node.js's license ships with it");
  const prebuilds = join(root, 'node_modules', '@anycast-origin', 'udp-mmsg', 'prebuilds');
  t.equal(readFileSync(join(prebuilds, 'linux-x64', 'node.napi.node')).readUInt16LE(18), 0x3e);
  t.equal(readFileSync(join(prebuilds, 'linux-arm64', 'node.napi.node')).readUInt16LE(18), 0xb7);
  t.notOk(readdirSync(join(root, 'node_modules')).includes('tap'), 'no dev dependencies');
  t.match(readFileSync(join(root, 'anycast-origin.service'), 'utf8'), `\nExecStart=/opt/anycast-origin/runtime/node-v${PIN.version}-%a/bin/node /opt/anycast-origin/dist/cli.js `);

  const node = join(root, BUNDLED_NODE);
  t.equal((await run(node, ['--version'])).stdout.trim(), `v${PIN.version}`, 'the bundled node runs here');
  if (GLIBC_238) {
    const { o, start: s } = await start(t, node, root, ['--http-port', '0', '--http-workers', '1', '--dns-port', '0']);
    if (!s) throw new Error(`did not start: ${o.stderr()}`);
    t.match(s, { runtime: { node: PIN.version, endOfLife: false, uws: '20.57.0', uwsBackend: 'native' }, http: { backend: 'native' }, dns: { udpBackend: 'mmsg' } });
    const http = (s.http as { port: number }).port;
    t.equal(await get(http, '/'), 'hostname: artifact\n');
    t.equal(await http10(http), 'HTTP/1.1 505 HTTP Version Not Supported', 'HTTP/1.0 gets 505 at once');
    await t.test('dig', needs('dig', 'bind9-dnsutils'), async (t) => {
      t.equal(await dig((s.dns as { udpPort: number }).udpPort, ['id.server', 'txt', 'ch', '+short']), '"artifact"\n');
    });
    o.child.kill('SIGTERM');
    t.equal((await o.exit).code, 0);
  } else {
    // glibc < 2.38: DNS runs on the bundled Node 24 (the Node-API addon), HTTP is refused.
    const { o, start: s } = await start(t, node, root, ['--http', 'off', '--dns-port', '0']);
    if (!s) throw new Error(`did not start: ${o.stderr()}`);
    t.match(s, { runtime: { node: PIN.version, uwsBackend: 'fallback' }, dns: { udpBackend: 'mmsg' } });
    await t.test('dig', needs('dig', 'bind9-dnsutils'), async (t) => {
      t.equal(await dig((s.dns as { udpPort: number }).udpPort, ['id.server', 'txt', 'ch', '+short']), '"artifact"\n');
    });
    o.child.kill('SIGTERM');
    t.equal((await o.exit).code, 0);
    const refused = await run(node, [join(root, 'dist', 'cli.js'), '--http-port', '0', '--dns', 'off', '--identity-source', 'os', '--identity-id', 'x']);
    t.equal(refused.code, 1, 'HTTP on the slow fallback is refused');
    t.match(refused.stderr, /refusing the slow pure-Node fallback/);
    t.match(refused.stderr, /GLIBC_2\.38/, 'and it says why');
  }
});

t.test('Amazon Linux 2023 (--base al2023): uWS 20.30 for its Node.js 20, the unit on /usr/bin/node-20', { skip: CAN_BUILD ? false : 'builds with npm (not in the Debian 13 run)' }, async (t) => {
  const r = await build(t, ['--base', 'al2023']);
  t.equal(r.code, 0, r.stderr.slice(-2000));
  const root = await unpack(t, r.file);
  t.match(JSON.parse(readFileSync(join(root, 'artifact.json'), 'utf8')), { base: 'al2023', glibc: '2.34', node: { system: { package: 'nodejs20', path: '/usr/bin/node-20' } }, abi: 115 });
  t.same(readdirSync(join(root, 'node_modules', 'uWebSockets.js', 'binaries')).sort(), ['uws_linux_arm64_115.node', 'uws_linux_x64_115.node']);
  t.same(readdirSync(join(root, 'node_modules', 'uWebSockets.js-20.57')).filter((f) => f.endsWith('.node')), [], 'uWS 20.57 needs glibc 2.38: pruned');
  t.notOk(existsSync(join(root, 'runtime')), 'no bundled Node.js');
  t.match(readFileSync(join(root, 'anycast-origin.service'), 'utf8'), '\nExecStart=/usr/bin/node-20 /opt/anycast-origin/dist/cli.js ');
  for (const dep of ['@anycast-origin/identity', '@anycast-origin/http-origin', '@anycast-origin/dns-origin', '@anycast-origin/udp-mmsg', '@anycast-origin/options', '@anycast-origin/net', 'node-gyp-build', 'commander', 'pino', 'zod', 'dns-packet', 'ipaddr.js']) {
    t.ok(readdirSync(join(root, 'node_modules', ...dep.split('/').slice(0, -1))).includes(dep.split('/').pop() as string), `${dep} bundled`);
  }
  if (process.versions.modules !== '115') return;
  // This machine's Node 20 stands in for AL2023's nodejs20.
  const { o, start: s } = await start(t, process.execPath, root, ['--http-port', '0', '--http-workers', '1', '--dns-port', '0']);
  if (!s) throw new Error(`did not start: ${o.stderr()}`);
  t.match(s, { runtime: { uws: '20.30.0', uwsBackend: 'native', endOfLife: true }, dns: { udpBackend: 'mmsg' } });
  t.equal(await get((s.http as { port: number }).port, '/'), 'hostname: artifact\n');
  o.child.kill('SIGTERM');
  t.equal((await o.exit).code, 0);
});

t.test('a base on which no uWS binary would load is refused before anything is built', { skip: CAN_BUILD ? false : 'runs the script with npm' }, async (t) => {
  const r = await build(t, ['--base', 'al2023', '--node', 'bundled']);
  t.equal(r.code, 1);
  t.match(r.stderr, 'package: no uWebSockets.js binary loads on al2023 (glibc 2.34) with Node.js 24 (ABI 137) on x64');
  t.notMatch(r.stderr, 'building', 'nothing built');
  const bad = await build(t, ['--base', 'centos-7']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, 'package: --base must be one of debian-13, ubuntu-24.04, al2023, got centos-7');
  const arch = await build(t, ['--arch', 'mips']);
  t.equal(arch.code, 1);
  t.match(arch.stderr, 'package: --arch must be one of x64, arm64, got mips');
});
