/**
 * The npm install hook (scripts/install.mjs), in a copy of the package as npm unpacks it
 * (no prebuilds/, no build/): it compiles with node-gyp when it can, and when it cannot the
 * install still succeeds with a message naming what to install.
 */
import t from 'tap';

// A cross build, qemu or AddressSanitizer: minutes on a loaded machine, not the package's 60 s.
t.setTimeout(300_000);
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, run } from '@anycast-origin/testkit';
import { nodeDir } from './fixtures/node-dir.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function unpacked(dir: string): string {
  const pkg = join(dir, 'udp-mmsg');
  mkdirSync(join(pkg, 'scripts'), { recursive: true });
  mkdirSync(join(pkg, 'node_modules'), { recursive: true });
  for (const f of ['package.json', 'binding.gyp', 'src/udp_mmsg.c', 'src/udp_mmsg.h', 'scripts/install.mjs']) cpSync(join(ROOT, f), join(pkg, f));
  const req = createRequire(import.meta.url);
  symlinkSync(dirname(req.resolve('node-gyp-build/package.json')), join(pkg, 'node_modules', 'node-gyp-build'));
  symlinkSync(dirname(req.resolve('node-gyp/package.json')), join(pkg, 'node_modules', 'node-gyp'));
  // npm puts the package's bins on PATH for its scripts; node-gyp-build calls node-gyp-build-test.
  mkdirSync(join(pkg, 'node_modules', '.bin'));
  symlinkSync(join(dirname(req.resolve('node-gyp-build/package.json')), 'build-test.js'), join(pkg, 'node_modules', '.bin', 'node-gyp-build-test'));
  return pkg;
}

t.test('with a compiler: the hook builds the addon and says nothing more', needs('g++', 'g++'), async (t) => {
  const pkg = unpacked(t.testdir({}));
  const env = { ...process.env, PATH: `${join(pkg, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, npm_config_nodedir: nodeDir() };
  const r = await run(process.execPath, ['scripts/install.mjs'], { cwd: pkg, env, timeoutMs: 120_000 });
  t.equal(r.code, 0, r.stderr);
  t.ok(existsSync(join(pkg, 'build', 'Release', 'udp_mmsg.node')), 'built');
  t.notMatch(r.stderr, 'native build failed');
});

t.test('without a working toolchain: the install still succeeds and says how to build later', async (t) => {
  const pkg = unpacked(t.testdir({}));
  const env = { ...process.env, PATH: `${join(pkg, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, CC: '/bin/false', CXX: '/bin/false', npm_config_nodedir: join(pkg, 'no-headers-here') };
  const r = await run(process.execPath, ['scripts/install.mjs'], { cwd: pkg, env, timeoutMs: 120_000 });
  t.equal(r.code, 0, 'npm install goes on');
  t.match(r.stderr, '@anycast-origin/udp-mmsg: no prebuild fits and the native build failed');
  t.match(r.stderr, 'apt-get install g++ make python3');
  t.notOk(existsSync(join(pkg, 'build', 'Release', 'udp_mmsg.node')));
});
