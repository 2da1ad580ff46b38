import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { request } from 'node:http';
import { run } from '@anycast-origin/testkit';
import { spawnOrigin } from './fixtures/origin.js';

const APP = fileURLToPath(new URL('../', import.meta.url));

t.test('npm run package writes one tarball with code, production deps, and uWS and the udp-mmsg addon for linux x64 and arm64', async (t) => {
  const dir = t.testdir({});
  const out = join(dir, 'anycast-origin-linux.tar.gz');
  const r = await run(process.execPath, [join(APP, 'scripts', 'package.mjs'), '--out', out], { cwd: APP, timeoutMs: 400_000 });
  t.equal(r.code, 0, r.stderr.slice(-2000));
  t.equal(r.stdout.trim(), out);
  const x = await run('tar', ['-xzf', out, '-C', dir]);
  t.equal(x.code, 0);
  const root = join(dir, 'anycast-origin');
  t.same(readdirSync(join(root, 'node_modules', 'uWebSockets.js', 'binaries')).sort(), [
    'uws_linux_arm64_108.node', 'uws_linux_arm64_115.node', 'uws_linux_x64_108.node', 'uws_linux_x64_115.node',
  ]);
  const prebuilds = join(root, 'node_modules', '@anycast-origin', 'udp-mmsg', 'prebuilds');
  t.same(readdirSync(prebuilds).sort(), ['linux-arm64', 'linux-x64']);
  // ELF e_machine (offset 18): 0x3e x86-64, 0xb7 AArch64.
  t.equal(readFileSync(join(prebuilds, 'linux-x64', 'node.napi.node')).readUInt16LE(18), 0x3e);
  t.equal(readFileSync(join(prebuilds, 'linux-arm64', 'node.napi.node')).readUInt16LE(18), 0xb7);
  for (const dep of ['@anycast-origin/identity', '@anycast-origin/http-origin', '@anycast-origin/dns-origin', '@anycast-origin/udp-mmsg', '@anycast-origin/options', '@anycast-origin/net', 'node-gyp-build', 'commander', 'pino', 'zod', 'dns-packet', 'ipaddr.js']) {
    t.ok(readdirSync(join(root, 'node_modules', ...dep.split('/').slice(0, -1))).includes(dep.split('/').pop() as string), `${dep} bundled`);
  }
  t.notOk(readdirSync(join(root, 'node_modules')).includes('tap'), 'no dev dependencies');
  const unit = readFileSync(join(root, 'anycast-origin.service'), 'utf8');
  t.match(unit, /ExecStart=\/usr\/bin\/node \/opt\/anycast-origin\/dist\/cli\.js/);

  // It runs where it was unpacked, with no npm and no workspace around it.
  const o = spawnOrigin(t, ['--http-port', '0', '--dns-port', '0', '--identity-source', 'os', '--identity-id', 'artifact', '--http-workers', '1', '--drain-seconds', '0'], {}, process.execPath, [join(root, 'dist', 'cli.js')]);
  const deadline = Date.now() + 20_000;
  while (!o.logs.some((l) => l.msg === 'serving') && Date.now() < deadline && o.child.exitCode === null) await new Promise((r) => setTimeout(r, 25));
  const start = o.logs.find((l) => l.msg === 'serving') as { http: { port: number }; dns: { udpBackend: string } } | undefined;
  if (!start) throw new Error(`did not start: ${o.stderr()}`);
  t.equal(start.dns.udpBackend, 'mmsg', 'DNS answers through the prebuilt addon (no compiler, no build/ directory)');
  const body = await new Promise<string>((resolve, reject) => {
    request({ host: '127.0.0.1', port: start.http.port, path: '/', agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (d: string) => (b += d)).on('end', () => resolve(b));
    }).on('error', reject).end();
  });
  t.equal(body, 'hostname: artifact\n');
  o.child.kill('SIGTERM');
  t.equal((await o.exit).code, 0);
});
