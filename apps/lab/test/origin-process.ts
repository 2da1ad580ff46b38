import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dig, needs } from '@anycast-origin/testkit';
import { OriginProcess, originArgs, setpriv } from '../src/origin-process.js';
import { get, sleep, waitFor } from './fixtures/lab.js';

const spec = (address: string, extra: Partial<Parameters<typeof OriginProcess.start>[0]> = {}) => ({
  instanceId: 'i-0123456789abcdef0', availabilityZone: 'eu-central-1b', address, httpPort: 0, dnsPort: 0, drainSeconds: 0, startTimeoutMs: 60_000, ...extra,
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

t.test('the origin command line: one worker each, RRL off, the identity given, the drain sized by the lab', async (t) => {
  const args = originArgs(spec('127.131.0.1', { httpPort: 8080, dnsPort: 8053, drainSeconds: 2.5 }));
  t.same(args, [
    '--http-host', '127.131.0.1', '--http-port', '8080', '--http-workers', '1',
    '--dns-host', '127.131.0.1', '--dns-port', '8053', '--dns-workers', '1', '--dns-rrl', 'off',
    '--identity-source', 'os', '--identity-instance-id', 'i-0123456789abcdef0', '--identity-availability-zone', 'eu-central-1b',
    '--drain-seconds', '2.5',
  ]);
});

t.test('an origin on its own address answers as the instance; SIGTERM drains and exits 0', async (t) => {
  const o = await OriginProcess.start(spec('127.131.0.2'));
  t.teardown(() => o.signal('SIGKILL'));
  t.ok(o.httpPort > 0 && o.dnsPort > 0, 'the ports it bound, read from its serving line');
  t.equal((await get(`http://127.131.0.2:${o.httpPort}/`)).body, 'hostname: i-0123456789abcdef0.eu-central-1b\n');
  await t.test('dig', needs('dig', 'bind9-dnsutils'), async (t) => {
    t.equal(await dig(o.dnsPort, ['id.server', 'txt', 'ch', '+short'], '127.131.0.2'), '"i-0123456789abcdef0.eu-central-1b"\n');
  });
  t.ok(o.running);
  o.signal('SIGTERM');
  t.same(await o.exited, { code: 0, signal: null });
  t.notOk(o.running);
});

t.test('an origin that cannot start: StartError in its own words; one too slow: killed and named', async (t) => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.131.0.3', r));
  t.teardown(() => new Promise<void>((r) => taken.close(() => r())));
  const port = (taken.address() as { port: number }).port;
  await t.rejects(OriginProcess.start(spec('127.131.0.3', { httpPort: port })), { code: 'LAB_ERR_START', message: new RegExp(`^origin i-0123456789abcdef0 on 127\\.131\\.0\\.3 exited before serving \\(code 1\\): anycast-origin: .*127\\.131\\.0\\.3:${port}`) });
  await t.rejects(OriginProcess.start(spec('127.131.0.4', { startTimeoutMs: 1 })), { code: 'LAB_ERR_START', message: /^origin i-0123456789abcdef0 on 127\.131\.0\.4 did not serve within 1 ms/ });
});

t.test('an origin dies with the process that started it, even one killed with SIGKILL (setpriv --pdeathsig)', needs('setpriv', 'util-linux'), async (t) => {
  t.ok(setpriv(), 'found on PATH');
  const module = fileURLToPath(new URL('../dist/origin-process.js', import.meta.url));
  const script = `
    const { OriginProcess } = await import(${JSON.stringify(module)});
    const o = await OriginProcess.start({ instanceId: 'i-0123456789abcdef1', availabilityZone: 'us-east-1a', address: '127.131.0.5', httpPort: 0, dnsPort: 0, drainSeconds: 30, startTimeoutMs: 60000 });
    process.stdout.write(o.pid + '\\n');
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => parent.kill('SIGKILL'));
  let out = '';
  parent.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const pid = Number(await waitFor('the origin\'s pid', () => /^\d+\n/.exec(out)?.[0], 60_000));
  t.ok(alive(pid), 'the origin runs');
  parent.kill('SIGKILL');
  await waitFor('the origin gone', () => !alive(pid) || (readState(pid) === 'Z' && 'zombie'), 10_000);
  await sleep(50);
  t.notOk(alive(pid) && readState(pid) !== 'Z', 'the origin was killed with its parent (not left draining for 30 s)');
});

function readState(pid: number): string | undefined {
  try {
    return /\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
