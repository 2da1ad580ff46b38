/**
 * The npm install hook (scripts/install.mjs), in a copy of the package as npm unpacks it
 * (no prebuilds/, no build/): it compiles with node-gyp when it can, and when it cannot the
 * install still succeeds with a message naming what to install.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, nodeDir, run, unpackedAddon } from '@anycast-origin/testkit';

// A cross build, qemu or AddressSanitizer: minutes on a loaded machine, not the package's 60 s.
t.setTimeout(300_000);

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const FILES = ['package.json', 'binding.gyp', 'src/udp_mmsg.c', 'src/udp_mmsg.h', 'scripts/install.mjs'];
const unpacked = (dir: string) => unpackedAddon(dir, ROOT, 'udp-mmsg', FILES);

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
