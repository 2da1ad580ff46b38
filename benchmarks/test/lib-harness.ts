import t from 'tap';
import { spawn } from 'node:child_process';
import { cpuMicros, cpuTimes, median, MissingToolError, ratio, requireTools, rssBytes, table, treeCpuMicros } from '../src/lib/harness.js';

t.test('requireTools names every missing tool and its apt package', async (t) => {
  t.doesNotThrow(() => requireTools([{ command: 'sh', aptPackage: 'dash' }]));
  const err = t.throws(() => requireTools([{ command: 'no-such-wrk', aptPackage: 'wrk' }, { command: 'no-such-dig', aptPackage: 'bind9-dnsutils' }]));
  t.ok(err instanceof MissingToolError);
  t.match((err as Error).message, 'apt-get install wrk bind9-dnsutils');
});

t.test('median, ratio, table', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 2, 3]), 2.5);
  t.equal(ratio(150, 100), '1.50x');
  t.equal(ratio(1, 0), 'n/a');
  t.equal(table(['a', 'bb'], [['x', 1]]), '| a | bb |\n| - | -- |\n| x | 1  |');
});

t.test('rssBytes sums a process tree', async (t) => {
  const child = spawn('sh', ['-c', 'sleep 5 & sleep 5; wait'], { stdio: 'ignore' });
  t.teardown(() => { child.kill('SIGKILL'); });
  await new Promise((r) => setTimeout(r, 200));
  const rss = rssBytes(child.pid as number);
  t.ok(rss > 100_000, `rss ${rss}`);
  t.equal(rssBytes(2 ** 30), 0);
});

t.test('treeCpuMicros sums the CPU of a process tree (a busy child counts)', async (t) => {
  // The parent only waits; the CPU is spent by its child, as NSD's server child does.
  const child = spawn('sh', ['-c', 'timeout 5 sh -c "while :; do :; done" & wait'], { stdio: 'ignore' });
  t.teardown(() => { spawn('pkill', ['-KILL', '-P', String(child.pid)]); child.kill('SIGKILL'); });
  const pid = child.pid as number;
  await new Promise((r) => setTimeout(r, 600));
  const tree = treeCpuMicros(pid);
  t.ok(tree >= 100_000, `tree ${tree} us after 600 ms of a busy child`);
  t.ok(cpuMicros(pid) < tree / 2, 'the waiting parent alone used little of it');
  t.equal(treeCpuMicros(2 ** 30), 0, 'a vanished process counts 0');
});

t.test('cpuTimes splits a process\'s CPU into user and system time', { skip: process.platform !== 'linux' && 'needs /proc' }, async (t) => {
  const before = cpuTimes(process.pid);
  const start = process.cpuUsage();
  let used = { user: 0, system: 0 };
  while (used.user < 50_000) used = process.cpuUsage(start);
  const after = cpuTimes(process.pid);
  // /proc counts in clock ticks (10 ms): allow a few either way.
  t.ok(after.user - before.user >= used.user - 20_000, `user: /proc ${after.user - before.user} us, cpuUsage ${used.user} us`);
  t.ok(after.system >= before.system, 'system time does not go back');
  const total = cpuMicros(process.pid);
  t.ok(total >= after.user + after.system && total <= after.user + after.system + 100_000, 'cpuMicros is their sum');
});
