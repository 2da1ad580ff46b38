/**
 * The addon under AddressSanitizer: built with -fsanitize=address (gcc) and driven through
 * every native entry point and lifecycle path (test/fixtures/asan-driver.mjs) in a Node.js
 * that preloads libasan. Any invalid read or write, use after free or double free aborts with
 * an AddressSanitizer report. Leak checking is off: V8 itself does not free at exit.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, nodeDir, run } from '@anycast-origin/testkit';

// A cross build, qemu or AddressSanitizer: minutes on a loaded machine, not the package's 60 s.
t.setTimeout(300_000);

const ROOT = fileURLToPath(new URL('..', import.meta.url));

t.test('no AddressSanitizer report over every entry point and lifecycle path', needs('gcc', 'gcc'), async (t) => {
  const dir = t.testdir({});
  const addon = join(dir, 'udp_mmsg_asan.node');
  const cc = await run('gcc', ['-shared', '-fPIC', '-O1', '-g', '-fsanitize=address', '-fno-omit-frame-pointer', '-I', join(nodeDir(), 'include', 'node'), '-o', addon, join(ROOT, 'src', 'udp_mmsg.c')]);
  t.equal(cc.code, 0, cc.stderr);
  const lib = (await run('gcc', ['-print-file-name=libasan.so'])).stdout.trim();
  t.ok(lib.startsWith('/') && existsSync(lib), `libasan at ${lib}`);
  const r = await run(process.execPath, [join(ROOT, 'test', 'fixtures', 'asan-driver.mjs'), addon], {
    env: { ...process.env, LD_PRELOAD: lib, ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1' },
    timeoutMs: 60_000,
  });
  t.notMatch(r.stderr, /AddressSanitizer/, 'no report');
  t.equal(r.code, 0, r.stderr.slice(-3000));
  t.match(r.stdout, /^ok \d+/);
});
