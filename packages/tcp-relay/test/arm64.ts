/**
 * The arm64 prebuild, built here with the cross compiler and run under user-mode emulation: an
 * arm64 Node.js in qemu-aarch64-static loads this package as installed (dist/, its production
 * dependencies, a prebuilds/ directory and no build/) and relays connections from this x64
 * process to an upstream server here, both on loopback.
 *
 * Needs qemu-user-static, gcc-aarch64-linux-gnu with the arm64 sysroot and an arm64 Node.js
 * (see arm64Requirements in @anycast-origin/testkit; .ci/run provides them). Skipped locally
 * with that message when missing, a failure under CI=true.
 */
import t from 'tap';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arm64Package, arm64Requirements, startArm64Script } from '@anycast-origin/testkit';

// A cross build, qemu or AddressSanitizer: minutes on a loaded machine, not the package's 60 s.
t.setTimeout(300_000);

const ROOT = fileURLToPath(new URL('..', import.meta.url));

t.test('the arm64 prebuild loads on arm64 Node.js (emulated) and relays connections', arm64Requirements(), async (t) => {
  const pkg = t.testdir({});
  const built = await arm64Package(ROOT, pkg);
  t.equal(built.code, 0, `cross build: ${built.stderr}`);

  const upstream = createServer((s) => s.on('data', (d) => s.end(`arm64 relayed ${d.toString()}`)));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => upstream.close());
  const upPort = (upstream.address() as { port: number }).port;
  const script = `
    const m = await import(${JSON.stringify(new URL(`file://${join(pkg, 'dist', 'index.js')}`).href)});
    const ends = [];
    const relay = m.createTcpRelay({ onFlowEnd: (r) => ends.push(r.reason) });
    const l = relay.listen({ host: '127.0.0.1', port: 0, onConnection: (a) => ({ address: '127.0.0.1', port: ${upPort}, localAddress: a }) });
    process.stdout.write(JSON.stringify({ port: l.port, available: m.available(), arch: process.arch }) + '\\n');
    process.stdin.on('end', () => relay.close().then(() => { process.stdout.write(JSON.stringify(ends) + '\\n'); process.exit(0); }));
    process.stdin.resume();`;
  const { child, ready: first, output } = await startArm64Script(script);
  t.teardown(() => { child.kill('SIGKILL'); });
  const ready = first as { port: number; available: boolean; arch: string };
  t.same({ available: ready.available, arch: ready.arch }, { available: true, arch: 'arm64' });

  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => new Promise<string>((resolve, reject) => {
    const c = connect(ready.port, '127.0.0.1');
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.on('error', reject);
    c.on('close', () => resolve(got));
    c.write(`c${i}`);
  })));
  t.same(answers, Array.from({ length: 10 }, (_, i) => `arm64 relayed c${i}`));
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.equal(code, 0, output().err);
  t.same(JSON.parse(output().out.split('\n')[1] ?? '[]'), Array(10).fill('closed'), 'every flow reported closed');
});
