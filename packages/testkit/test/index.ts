import t from 'tap';
import { hasCommand, isCI, needs, run } from '../src/index.js';

t.test('hasCommand finds sh and not a made-up name', async (t) => {
  t.equal(hasCommand('sh'), true);
  t.equal(hasCommand('no-such-command-anycast-origin'), false);
});

t.test('needs() skips locally and throws under CI', async (t) => {
  const saved = process.env.CI;
  t.teardown(() => {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  });
  delete process.env.CI;
  t.same(needs('sh', 'dash'), {});
  t.same(needs('no-such-command-anycast-origin', 'pkg'), { skip: 'no-such-command-anycast-origin not found: apt-get install pkg' });
  process.env.CI = 'true';
  t.equal(isCI(), true);
  t.throws(() => needs('no-such-command-anycast-origin', 'pkg'), /apt-get install pkg \(CI=true/);
});

t.test('run captures output and exit code', async (t) => {
  const r = await run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
  t.same(r, { code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
});
