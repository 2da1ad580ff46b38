import t from 'tap';
import { spawn } from 'node:child_process';
import { needs, stop } from '@anycast-origin/testkit';
import { TEXT, http, sleep, startOrigin } from './fixtures/helpers.js';

t.test('slowloris (slowhttptest -H) leaves it serving normal clients', needs('slowhttptest', 'slowhttptest'), async (t) => {
  const { origin, port } = await startOrigin(t);
  const child = spawn('slowhttptest', ['-H', '-c', '400', '-r', '200', '-i', '5', '-s', '8192', '-t', 'GET', '-x', '24', '-p', '3', '-l', '10', '-u', `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => stop(child));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  await sleep(4000); // slow connections are open by now
  const open = origin.stats().openConnections ?? 0;
  let ok = 0;
  const t0 = Date.now();
  for (let i = 0; i < 20; i++) if ((await http(port, '/')).body.toString() === TEXT) ok++;
  t.equal(ok, 20, `normal clients answered in ${Date.now() - t0} ms with ${open} connections open`);
  t.ok(open > 20, `slowhttptest held ${open} connections`);
  const code = await Promise.race([exited, sleep(25_000).then(() => 'timeout')]);
  t.not(code, 'timeout', 'slowhttptest ended within its time limit');
  t.match(out, /slow HTTP test/i);
  for (let i = 0; i < 5; i++) t.equal((await http(port, '/')).body.toString(), TEXT, 'still serving after the run');
});
