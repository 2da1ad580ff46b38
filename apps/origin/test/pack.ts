import t from 'tap';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { request } from 'node:http';
import { dig, needs, run } from '@anycast-origin/testkit';
import { spawnOrigin } from './fixtures/origin.js';
import { installOffline, productionWorkspaces } from '../../../scripts/workspaces.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKSPACES = productionWorkspaces(ROOT);

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

t.test('npm pack gives the workspaces\' tarballs that install together, offline, into an empty directory and run there', async (t) => {
  t.same(WORKSPACES.slice(-1), ['apps/origin']);
  t.ok(WORKSPACES.includes('packages/udp-mmsg') && WORKSPACES.includes('packages/options'), 'optional and transitive workspaces included');
  const dir = t.testdir({});
  const tarballs: { dir: string; tarball: string }[] = [];
  for (const ws of WORKSPACES) {
    const r = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, ws), timeoutMs: 60_000 });
    t.equal(r.code, 0, `npm pack ${ws}: ${r.stderr}`);
    const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error('npm pack printed nothing');
    t.ok(info.files.some((f) => f.path === 'dist/index.js' || f.path === 'dist/cli.js'), `${ws} ships dist`);
    // udp-mmsg ships its C sources and binding.gyp: where no prebuild fits, npm compiles them.
    t.notOk(info.files.some((f) => f.path.endsWith('.ts') && !f.path.endsWith('.d.ts')), `${ws} ships no TypeScript sources`);
    t.notOk(info.files.some((f) => f.path.startsWith('test/')), `${ws} ships no tests`);
    if (ws === 'packages/udp-mmsg') t.ok(info.files.some((f) => f.path === `prebuilds/linux-${process.arch}/node.napi.node`), 'udp-mmsg ships the prebuilt addon');
    tarballs.push({ dir: ws, tarball: join(dir, info.filename) });
  }
  t.equal(readdirSync(dir).filter((f) => f.endsWith('.tgz')).length, WORKSPACES.length);

  // Offline: the tarballs, and the repository's locked third-party versions from npm's cache.
  t.doesNotThrow(() => installOffline(ROOT, dir, tarballs), 'npm ci --offline');
  const expected = WORKSPACES.filter((w) => w.startsWith('packages/')).map((w) => w.slice('packages/'.length)).sort();
  t.same(readdirSync(join(dir, 'node_modules', '@anycast-origin')).sort(), expected, 'no workspace around: real copies');

  const help = await run('npx', ['--no-install', 'anycast-origin', '--help'], { cwd: dir });
  t.equal(help.code, 0, help.stderr);
  t.match(help.stdout, /Usage: anycast-origin/);

  const bin = join(dir, 'node_modules', '.bin', 'anycast-origin');
  const o = spawnOrigin(t, ['--http-port', '0', '--dns-port', '0', '--identity-source', 'os', '--identity-id', 'from-tarballs', '--http-workers', '1', '--drain-seconds', '0'], {}, bin, []);
  const deadline = Date.now() + 20_000;
  while (!o.logs.some((l) => l.msg === 'serving') && Date.now() < deadline && o.child.exitCode === null) await new Promise((r) => setTimeout(r, 25));
  const start = o.logs.find((l) => l.msg === 'serving') as { http: { port: number }; dns: { udpPort: number; udpBackend: string } } | undefined;
  if (!start) throw new Error(`did not start: ${o.stderr()}`);
  t.equal(start.dns.udpBackend, 'mmsg', 'the installed udp-mmsg loads its prebuild (install scripts were off)');
  t.equal(await get(start.http.port, '/'), 'hostname: from-tarballs\n');
  await t.test('dig against the installed copy', needs('dig', 'bind9-dnsutils'), async (t) => {
    t.equal(await dig(start.dns.udpPort, ['id.server', 'txt', 'ch', '+short']), '"from-tarballs"\n');
  });
  o.child.kill('SIGTERM');
  t.equal((await o.exit).code, 0);
});
