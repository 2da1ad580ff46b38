/**
 * The container image (Containerfile, scripts/image.mjs), built and run here as a user would:
 * `npm run image`'s script builds it with podman on a Debian 13 base, and podman runs it with
 * the host's network on free loopback ports given through the environment. curl and dig get
 * the identity from the environment, /metrics says uWS is native, the image's HEALTHCHECK
 * passes, the process is not root, and `podman stop` drains: /healthz 503 while it still
 * answers, then exit 0 within the drain.
 *
 * This machine reaches no container registry, so the base is Debian 13 made from Debian's
 * packages (.ci/debian13 image: debootstrap --variant=minbase trixie, slimmed as the public
 * -slim image is, then podman import), built once per machine and kept (about 3 min cold,
 * nothing warm). runc, not crun (which fails on these hosts' hybrid cgroups), and explicit
 * ulimits (podman's defaults are refused here): the flags the issue found work here.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dig, freePort, isCI, needs, run } from '@anycast-origin/testkit';
import type { Test } from 'tap';

const APP = fileURLToPath(new URL('../', import.meta.url));
const REPO = join(APP, '..', '..');
const SCRIPT = join(APP, 'scripts', 'image.mjs');
const VERSION = (JSON.parse(readFileSync(join(APP, 'package.json'), 'utf8')) as { version: string }).version;
const PIN = (JSON.parse(readFileSync(join(APP, 'node-runtime.json'), 'utf8')) as { version: string }).version;
const RUN_FLAGS = ['--runtime', 'runc'];
const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const DRAIN_SECONDS = 3;
const ID = 'container-test.eu-central-1a';

t.test('image.mjs: usage', async (t) => {
  const help = await run(process.execPath, [SCRIPT, '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, `--tag TAG         image tag (default: anycast-origin:${VERSION})`);
  const bad = await run(process.execPath, [SCRIPT, '--arch', 'sparc']);
  t.equal(bad.code, 2);
  t.equal(bad.stderr, 'image: --arch must be one of x64, arm64, got sparc\n');
  const unknown = await run(process.execPath, [SCRIPT, '--push']);
  t.equal(unknown.code, 2);
  t.equal(unknown.stderr, 'image: unknown argument --push (--help lists them)\n');
  const engine = await run(process.execPath, [SCRIPT], { env: { ...process.env, CONTAINER_ENGINE: 'lxc' } });
  t.equal(engine.code, 2);
  t.equal(engine.stderr, 'image: CONTAINER_ENGINE must be one of podman, docker, got lxc\n');
});

/** Which tools the build and the run need; under CI a missing one fails. */
function tools(): { skip?: string } {
  for (const [cmd, pkg] of [['podman', 'podman'], ['runc', 'runc'], ['debootstrap', 'debootstrap'], ['curl', 'curl'], ['dig', 'bind9-dnsutils']] as const) {
    const n = needs(cmd, pkg);
    if (n.skip) return n;
  }
  if (process.getuid?.() !== 0) {
    if (isCI()) throw new Error('the image test runs podman and debootstrap as root (CI runs as root)');
    return { skip: 'podman here runs as root (debootstrap too): run as root' };
  }
  return {};
}

async function curl(url: string): Promise<{ code: string; body: string }> {
  const r = await run('curl', ['-sS', '-g', '--max-time', '3', '-w', '\n%{http_code}', url]);
  const i = r.stdout.lastIndexOf('\n');
  return { code: r.stdout.slice(i + 1), body: r.stdout.slice(0, i) };
}

/** A command that must succeed: its stderr's tail only when it did not. */
function succeeded(t: Test, r: { code: number | null; stderr: string }, what: string): void {
  t.equal(r.code, 0, what, r.code === 0 ? {} : { stderr: r.stderr.slice(-3000) });
}

async function podman(args: readonly string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run('podman', args, { timeoutMs });
}

t.test('the image: built on a Debian 13 base, run with podman, drained by podman stop', tools(), async (t) => {
  const t0 = Date.now();
  const base = await run(join(REPO, '.ci', 'debian13'), ['image'], { cwd: REPO, timeoutMs: 900_000 });
  succeeded(t, base, '.ci/debian13 image');
  const baseImage = base.stdout.trim().split('\n').pop() ?? '';
  t.comment(`base ${baseImage} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  // Build with the script `npm run image` runs, on that base, under a tag of this test's own.
  const tag = `localhost/anycast-origin-test:${process.pid}`;
  t.teardown(() => podman(['rmi', '--force', tag]).then(() => undefined));
  const t1 = Date.now();
  const context = t.testdir({});
  const built = await run(process.execPath, [SCRIPT, '--tag', tag, '--context', context, '--', ...RUN_FLAGS], {
    cwd: APP, timeoutMs: 600_000, env: { ...process.env, BASE: baseImage, CONTAINER_ENGINE: 'podman' },
  });
  succeeded(t, built, 'image.mjs builds it');
  t.equal(built.stdout, `${tag}\n`, 'prints the tag');
  const buildSeconds = (Date.now() - t1) / 1000;

  // The context's artifact is this architecture's alone (package.mjs --arch).
  const files = (await run('tar', ['-tzf', join(context, 'anycast-origin-linux.tar.gz')])).stdout.split('\n');
  const [mine, other] = process.arch === 'arm64' ? ['arm64', 'x64'] : ['x64', 'arm64'];
  // (ws's optional bufferutil and utf-8-validate, under the unused uWS 20.30 fallback, ship prebuilds of their own.)
  const natives = files.filter((f) => /udp-mmsg|uWebSockets|runtime/.test(f) && (f.endsWith('.node') || f.endsWith('/bin/node'))).sort();
  // (Licenses stay, LICENSE.md too; dns-packet requires ip-codec, so its .cjs stays.)
  t.same(files.filter((f) => f.startsWith('anycast-origin/node_modules/') && (/\.(d\.ts|map|md)$/.test(f) || /^anycast-origin\/node_modules\/zod\/.*\.cjs$/.test(f)) && !/\/LICENSE\.md$/i.test(f)), [], "node_modules has no declarations, source maps or Markdown, and zod's unused CommonJS copy is left out");
  t.same(natives, [
    `anycast-origin/node_modules/@anycast-origin/udp-mmsg/prebuilds/linux-${mine}/node.napi.node`,
    `anycast-origin/node_modules/uWebSockets.js-20.57/uws_linux_${mine}_137.node`,
    `anycast-origin/runtime/node-v${PIN}-${mine === 'x64' ? 'x86-64' : 'arm64'}/bin/node`,
  ], `the artifact's native parts are linux-${mine}'s, none for ${other}`);
  t.same(files.filter((f) => f.includes(`linux-${other}`) || f.includes(`_${other}_`)), [], `no linux-${other} file at all`);
  const artifact = JSON.parse((await run('tar', ['-xzOf', join(context, 'anycast-origin-linux.tar.gz'), 'anycast-origin/artifact.json'])).stdout) as { node: { runtimes: Record<string, { stripped: boolean; sha256: string; integrity: string }> } };
  t.match(artifact.node.runtimes[mine], { stripped: true, sha256: /^[0-9a-f]{64}$/, integrity: /^sha512-/ }, 'artifact.json: the stripped form of the checked package, and its sha256');

  // What the image says about itself.
  const [info] = JSON.parse((await podman(['image', 'inspect', tag])).stdout) as {
    Size: number; Config: { User: string; ExposedPorts: Record<string, unknown>; StopSignal: string; Labels: Record<string, string>; Env: string[]; Entrypoint: string[] };
    Healthcheck?: { Test: string[] };
  }[];
  if (!info) throw new Error('podman image inspect gave nothing');
  t.equal(info.Config.User, '10001:10001', 'a non-root user');
  t.same(Object.keys(info.Config.ExposedPorts).sort(), ['8053/tcp', '8053/udp', '8080/tcp']);
  t.equal(info.Config.StopSignal, 'SIGTERM');
  t.match(info.Config.Labels, { 'org.opencontainers.image.version': VERSION, 'org.opencontainers.image.licenses': 'Apache-2.0', 'org.opencontainers.image.title': 'anycast-origin' });
  t.ok('org.opencontainers.image.source' in info.Config.Labels && /^[0-9a-f]{40}$/.test(info.Config.Labels['org.opencontainers.image.revision'] ?? ''), 'source and revision labels');
  for (const e of ['ORIGIN_HTTP_HOST=::', 'ORIGIN_HTTP_PORT=8080', 'ORIGIN_DNS_HOST=::', 'ORIGIN_DNS_PORT=8053']) t.ok(info.Config.Env.includes(e), e);
  t.same(info.Config.Entrypoint, ['/usr/local/bin/node', '/opt/anycast-origin/dist/cli.js']);
  t.match(info.Healthcheck?.Test, ['CMD', '/usr/local/bin/node', '-e', /\/healthz/], 'the HEALTHCHECK survives (docker format)');
  // The size and what makes it: the base, and the parts of the artifact's layer (from the
  // context's tarball, which that layer unpacks).
  const baseSize = Number((await podman(['image', 'inspect', '--format', '{{.Size}}', baseImage])).stdout.trim());
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  const parts = new Map<string, number>();
  for (const line of (await run('tar', ['-tvzf', join(context, 'anycast-origin-linux.tar.gz')])).stdout.split('\n')) {
    const m = /^-\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+anycast-origin\/(.+)$/.exec(line);
    if (!m) continue;
    const path = m[2] ?? '';
    const part = path.endsWith('/bin/node') ? 'Node.js (stripped)' : path.startsWith('node_modules/uWebSockets.js-20.57/') ? 'uWS 20.57' : path.startsWith('node_modules/zod/') ? 'zod' : path.startsWith('node_modules/') ? 'other node_modules' : path.startsWith('dist/') ? 'dist' : 'other';
    parts.set(part, (parts.get(part) ?? 0) + Number(m[1]));
  }
  t.comment(`image ${mb(info.Size)}: base ${mb(baseSize)}, origin's layers ${mb(info.Size - baseSize)} (${[...parts].map(([k, v]) => `${k} ${mb(v)}`).join(', ')}), built in ${buildSeconds.toFixed(0)} s`);
  t.ok((parts.get('Node.js (stripped)') ?? 0) < 115e6, 'the Node.js shipped is stripped');
  // The issue's target, on a base made as debian:trixie-slim is (.ci/debian13 image).
  t.ok(info.Size <= 200e6, `the image is at most 200 MB (${mb(info.Size)})`);

  // Run it as the issue found works here, on free loopback ports passed through the environment.
  const httpPort = await freePort();
  let dnsPort = await freePort();
  while (dnsPort === httpPort) dnsPort = await freePort();
  const name = `anycast-origin-test-${process.pid}`;
  t.teardown(() => podman(['rm', '--force', '--time', '0', name]).then(() => undefined));
  const started = await podman([
    ...RUN_FLAGS, 'run', '--detach', '--name', name, '--network', 'host', ...LIMITS, '--read-only', '--cap-drop', 'all',
    '--env', `ORIGIN_HTTP_PORT=${httpPort}`, '--env', `ORIGIN_DNS_PORT=${dnsPort}`, '--env', 'ORIGIN_HTTP_WORKERS=1',
    // env only: never instance metadata, even on a CI host that is an EC2 instance.
    '--env', 'ORIGIN_IDENTITY_SOURCE=env', '--env', `ORIGIN_ID=${ID}`, '--env', 'ORIGIN_AVAILABILITY_ZONE=eu-central-1a',
    '--env', `ORIGIN_DRAIN_SECONDS=${DRAIN_SECONDS}`, tag,
  ]);
  succeeded(t, started, 'podman run');
  const logs = async (): Promise<Record<string, unknown>[]> => (await podman(['logs', name])).stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const deadline = Date.now() + 30_000;
  let serving: Record<string, unknown> | undefined;
  while (!serving && Date.now() < deadline) {
    serving = (await logs()).find((l) => l.msg === 'serving');
    if (!serving) await new Promise((r) => setTimeout(r, 200));
  }
  if (!serving) throw new Error(`the container did not start: ${(await podman(['logs', name])).stderr}`);
  t.match(serving, { runtime: { node: PIN, uwsBackend: 'native', uws: '20.57.0' }, http: { address: '::', port: httpPort }, dns: { address: '::', udpPort: dnsPort } });

  const root = await curl(`http://127.0.0.1:${httpPort}/`);
  t.same(root, { code: '200', body: `hostname: ${ID}\n` }, 'curl over IPv4 gets the seed\'s line with the id from env');
  const json = await curl(`http://[::1]:${httpPort}/json`);
  t.equal(json.code, '200', 'and over IPv6 (dual-stack [::])');
  t.match(JSON.parse(json.body), { id: ID, availabilityZone: 'eu-central-1a', region: 'eu-central-1' });
  t.equal(await dig(dnsPort, ['id.server', 'txt', 'ch', '+short']), `"${ID}"\n`, 'dig over UDP');
  t.equal(await dig(dnsPort, ['+tcp', 'id.server', 'txt', 'ch', '+short'], '::1'), `"${ID}"\n`, 'dig over TCP on ::1');
  const metrics = await curl(`http://127.0.0.1:${httpPort}/metrics`);
  t.match(metrics.body, /^anycast_http_origin_uws_backend\{backend="native",uws="20\.57\.0"\} 1$/m, '/metrics: the uWS backend is native');

  const health = await podman(['healthcheck', 'run', name]);
  t.equal(health.code, 0, `the image's HEALTHCHECK passes: ${health.stdout}${health.stderr}`);

  // The process (not just the image config) runs as 10001, with no capabilities.
  const pid = (await podman(['inspect', '--format', '{{.State.Pid}}', name])).stdout.trim();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  t.match(status, /^Uid:\t10001\t10001\t10001\t10001$/m, 'runs as uid 10001');
  t.match(status, /^CapEff:\t0+$/m, 'with no capabilities');

  // podman stop: SIGTERM, /healthz 503 while / still answers, then exit 0 within the drain.
  const stopStart = Date.now();
  const stopper = spawn('podman', ['stop', '--time', String(DRAIN_SECONDS + 20), name], { stdio: 'ignore' });
  const stopped = once(stopper, 'exit');
  let stopExited = false;
  void stopped.then(() => (stopExited = true));
  // Until podman has delivered SIGTERM and the drain began: on a loaded machine podman itself
  // can take seconds to get there (CI saw 5 s), so wait as long as the stop may take.
  let drained: { code: string; body: string } | undefined;
  while (!drained && !stopExited && Date.now() - stopStart < (DRAIN_SECONDS + 20) * 1000) {
    const h = await curl(`http://127.0.0.1:${httpPort}/healthz`);
    if (h.code === '503') drained = h;
    else await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(drained, '/healthz answers 503 once SIGTERM arrives');
  t.same(await curl(`http://127.0.0.1:${httpPort}/`), { code: '200', body: `hostname: ${ID}\n` }, 'and serving goes on during the drain');
  const unhealthy = await podman(['healthcheck', 'run', name]);
  t.not(unhealthy.code, 0, 'the HEALTHCHECK fails during the drain');
  await stopped;
  const stopSeconds = (Date.now() - stopStart) / 1000;
  t.equal((await podman(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout.trim(), '0', 'exit 0');
  t.ok(stopSeconds >= DRAIN_SECONDS - 0.5 && stopSeconds < DRAIN_SECONDS + 10, `stopped after the drain, not killed (${stopSeconds.toFixed(1)} s)`);
  t.match((await logs()).map((l) => l.msg), ['serving', /^draining/, 'stopped']);
});
