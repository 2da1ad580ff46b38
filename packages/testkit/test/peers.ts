import t from 'tap';
import { knotConf, nginxConf, nsdConf } from '../src/index.js';

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

t.test('nginx config: one process on 127.0.0.1, the body escaped for nginx, optional headers and reuseport', async (t) => {
  const plain = nginxConf({ port: 8080, dir: '/tmp/n', body: `hostname: ${ID}\n` });
  t.match(plain, 'master_process off;');
  t.match(plain, 'listen 127.0.0.1:8080;');
  t.match(plain, `location / { return 200 "hostname: ${ID}\\n"; }`);
  t.match(plain, 'pid /tmp/n/nginx.pid;');
  t.notMatch(plain, /add_header|keepalive_requests|reuseport/);
  const full = nginxConf({ port: 1, dir: '/d', body: 'a "q" \\ b', contentType: 'text/plain', headers: { 'x-a': '1' }, reuseport: true, keepaliveRequests: 5 });
  t.match(full, 'listen 127.0.0.1:1 reuseport;');
  t.match(full, 'default_type "text/plain";');
  t.match(full, '    add_header x-a "1" always;\n');
  t.match(full, '  keepalive_requests 5;\n');
  t.match(full, 'return 200 "a \\"q\\" \\\\ b";');
});
