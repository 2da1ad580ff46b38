import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, knotConf, needs, nginxConf, nsdConf, stop } from '../src/index.js';

const ID = 'i-0e32d5b1a3f76cc05.us-west-2c';

t.test('NSD and Knot configs: loopback only, RRL off, one worker, the identity and NSID', async (t) => {
  const c = { port: 5353, identity: ID, version: 'bench', dir: '/tmp/x', rundir: '/tmp/r' };
  const nsd = nsdConf(c);
  t.match(nsd, 'ip-address: 127.0.0.1@5353');
  t.match(nsd, 'rrl-ratelimit: 0');
  t.match(nsd, 'server-count: 1');
  t.match(nsd, `identity: "${ID}"`);
  t.match(nsd, `nsid: "ascii_${ID}"`);
  t.notMatch(nsd, /^zone:/m, 'no zone unless asked');
  const knot = knotConf(c);
  t.match(knot, 'listen: 127.0.0.1@5353');
  t.match(knot, 'udp-workers: 1');
  t.match(knot, `identity: "${ID}"`);
  t.match(knot, 'rundir: "/tmp/r"');
  t.notMatch(knot, /^zone:/m);
  t.notMatch(nsd + knot, /0\.0\.0\.0|::/, 'never a wildcard address');
});

t.test('a separate NSID, the default Knot run dir, and a zone served from <dir>/<zone>.zone', async (t) => {
  const c = { port: 53, identity: 'id-1', nsid: 'n-1', version: 'v', dir: '/tmp/z', zone: 'example' };
  const nsd = nsdConf(c);
  t.match(nsd, 'nsid: "ascii_n-1"');
  t.match(nsdConf({ ...c, rrlRatelimit: 200 }), 'rrl-ratelimit: 200', 'NSD RRL on when asked');
  t.match(nsd, 'zone:\n  name: example\n  zonefile: example.zone\n');
  const knot = knotConf(c);
  t.match(knot, 'nsid: "n-1"');
  t.match(knot, 'rundir: "/tmp/z"');
  t.match(knot, 'zone:\n  - domain: example\n    file: example.zone\n');
  t.match(knot, 'template:\n  - id: default\n    storage: "/tmp/z"\n');
});

t.test('the nginx config answers every path with the body and headers', needs('nginx', 'nginx-light'), async (t) => {
  const dir = t.testdir({});
  const port = await freePort();
  const conf = nginxConf({ port, dir, body: `hostname: ${ID}\n`, headers: { 'x-served-by': ID, 'cache-control': 'no-store' } });
  t.match(conf, 'master_process off;');
  t.match(conf, `listen 127.0.0.1:${port} reuseport;`);
  t.match(conf, `return 200 "hostname: ${ID}\\n";`);
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'nginx-error.log')], { stdio: 'ignore' });
  t.teardown(() => stop(child));
  let r: Response | undefined;
  for (let i = 0; i < 100 && !r; i++) {
    r = await fetch(`http://127.0.0.1:${port}/any/path`).catch(() => undefined);
    if (!r) await new Promise((res) => setTimeout(res, 50));
  }
  if (!r) throw new Error('nginx did not answer');
  t.equal(r.status, 200);
  t.equal(await r.text(), `hostname: ${ID}\n`);
  t.equal(r.headers.get('x-served-by'), ID);
  t.equal(r.headers.get('cache-control'), 'no-store');
});
