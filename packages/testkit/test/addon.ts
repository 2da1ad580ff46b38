/**
 * The addon helpers: an arm64 script under qemu (the real tool), an addon package laid out as
 * npm installs it (the addons' own arm64 tests cross-build theirs with it).
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arm64Package, arm64Requirements, copyProductionDependencies, nodeDir, startArm64Script } from '../src/index.js';

// A cross build and qemu: more than the package's 60 s on a loaded machine.
t.setTimeout(300_000);

t.test('nodeDir: the headers node-gyp compiles against', async (t) => {
  t.ok(existsSync(join(nodeDir(), 'include', 'node', 'node_api.h')));
});

t.test('startArm64Script: the first line, from arm64 Node.js; a script that says nothing is an error with its stderr', arm64Requirements(), async (t) => {
  const { child, ready, output } = await startArm64Script('process.stdout.write(JSON.stringify({ arch: process.arch }) + "\\n"); process.stdin.resume(); process.stdin.on("end", () => process.exit(0));');
  t.teardown(() => { child.kill('SIGKILL'); });
  t.same(ready, { arch: 'arm64' });
  child.stdin.end();
  t.equal((await new Promise<number | null>((r) => child.once('exit', r))), 0, output().err);
  await t.rejects(startArm64Script('process.stderr.write("no line"); process.exit(3);'), /arm64 Node\.js did not start the script: no line/);
});

t.test('arm64Package: dist, package.json, production dependencies, and the prebuild its build script makes', async (t) => {
  // A package shaped as the addons are; its build script records the arguments it was given.
  const root = t.testdir({
    'package.json': JSON.stringify({ name: 'fixture-addon', version: '1.0.0', dependencies: { 'node-gyp-build': '4.8.4' } }),
    dist: { 'index.js': 'export {};\n' },
    scripts: { 'build.mjs': "import { writeFileSync } from 'node:fs';\nconst a = process.argv.slice(2);\nwriteFileSync(a[a.indexOf('--out') + 1], a.join(' '));\n" },
    node_modules: { 'node-gyp-build': t.fixture('symlink', fileURLToPath(new URL('../../../node_modules/node-gyp-build', import.meta.url))) },
  });
  const dir = join(root, 'installed');
  const built = await arm64Package(root, dir);
  t.equal(built.code, 0, built.stderr);
  t.ok(existsSync(join(dir, 'dist', 'index.js')));
  t.ok(existsSync(join(dir, 'node_modules', 'node-gyp-build', 'package.json')), 'its production dependency');
  t.match(readFileSync(join(dir, 'prebuilds', 'linux-arm64', 'node.napi.node'), 'utf8'), /^--arch arm64 --out \S+\/prebuilds\/linux-arm64\/node\.napi\.node$/);
});

t.test('copyProductionDependencies: transitive, flat, no nested node_modules', async (t) => {
  const dir = t.testdir({});
  copyProductionDependencies(fileURLToPath(new URL('../../udp-mmsg/', import.meta.url)), dir);
  t.ok(existsSync(join(dir, 'node-gyp-build', 'package.json')));
  t.notOk(existsSync(join(dir, 'node-gyp-build', 'node_modules')));
});
