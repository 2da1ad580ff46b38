import t from 'tap';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needs, run } from '@anycast-origin/testkit';
import { parseArgs } from '../src/args.js';
import { CLI } from './fixtures/origin.js';

const UNIT = readFileSync(new URL('../anycast-origin.service', import.meta.url), 'utf8');

function directives(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const x = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (x?.[1]) m.set(x[1], [...(m.get(x[1]) ?? []), x[2] ?? '']);
  }
  return m;
}

t.test('the systemd unit: ports 80/53 as an unprivileged dynamic user, hardened, stop longer than the drain', async (t) => {
  const d = directives(UNIT);
  const exec = d.get('ExecStart')?.[0] ?? '';
  // The unit's flags, read by the command's own parser: valid, and meaning what the unit says.
  const parsed = parseArgs(exec.split(' ').slice(2), {}, '0.0.0');
  if (parsed.kind !== 'run') throw new Error('the unit\'s flags do not run');
  const s = parsed.settings;
  t.match(s.http, { host: '::', port: 80, benchmarkRoutes: false }, 'dual-stack HTTP on 80 (DUAL_STACK accelerators), no benchmark routes');
  t.match(s.dns, { host: '::', port: 53 }, 'dual-stack DNS on 53');
  t.match(s.identity, { source: 'imds' });
  t.equal(s.metrics, '[::]:9100', 'metrics on an admin port, not on the public one');
  t.ok(Number(d.get('TimeoutStopSec')?.[0]) > s.drainSeconds + 10, `TimeoutStopSec > drain (${s.drainSeconds} s) with room to close`);
  t.same(d.get('DynamicUser'), ['yes']);
  t.same(d.get('AmbientCapabilities'), ['CAP_NET_BIND_SERVICE']);
  t.same(d.get('CapabilityBoundingSet'), ['CAP_NET_BIND_SERVICE']);
  t.same(d.get('Restart'), ['on-failure']);
  for (const k of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectControlGroups', 'RestrictSUIDSGID', 'LockPersonality']) {
    t.same(d.get(k), ['yes'], k);
  }
  t.same(d.get('ProtectSystem'), ['strict']);
  t.match(d.get('RestrictAddressFamilies')?.[0] ?? '', /^AF_INET AF_INET6 AF_UNIX AF_NETLINK$/);
  t.notOk(d.has('MemoryDenyWriteExecute'), 'V8 JIT needs W+X pages');
});

t.test("ExecStart runs the artifact's own Node.js, the version node-runtime.json pins, for this architecture", async (t) => {
  const pinned = (JSON.parse(readFileSync(new URL('../node-runtime.json', import.meta.url), 'utf8')) as { version: string }).version;
  t.match(directives(UNIT).get('ExecStart')?.[0], new RegExp(`^/opt/anycast-origin/runtime/node-v${pinned.replace(/\./g, '\\.')}-%a/bin/node /opt/anycast-origin/dist/cli\\.js `));
});

t.test('systemd-analyze verify accepts the unit', needs('systemd-analyze', 'systemd'), async (t) => {
  // The unit names its installed paths (/opt/anycast-origin/runtime/node-v<version>-%a,
  // /opt/anycast-origin); verify checks that ExecStart exists, so point it at a runtime
  // directory named the same way (%a expanded by systemd) holding this checkout's node.
  const dir = t.testdir({});
  const node = /^ExecStart=\/opt\/anycast-origin\/(runtime\/node-v[^/]+-%a)\/bin\/node /m.exec(UNIT)?.[1];
  if (!node) throw new Error('ExecStart runs no runtime/node-v<version>-%a/bin/node');
  const arch = process.arch === 'x64' ? 'x86-64' : process.arch;
  mkdirSync(join(dir, node.replace('%a', arch), 'bin'), { recursive: true });
  symlinkSync(process.execPath, join(dir, node.replace('%a', arch), 'bin', 'node'));
  const file = join(dir, 'anycast-origin.service');
  writeFileSync(file, UNIT.replace(/^ExecStart=\/opt\/anycast-origin\/runtime\//m, `ExecStart=${dir}/runtime/`).replace(' /opt/anycast-origin/dist/cli.js', ` ${CLI}`));
  const r = await run('systemd-analyze', ['verify', file], { env: { ...process.env, SYSTEMD_LOG_LEVEL: 'warning' } });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr.split('\n').filter((l) => l.includes('anycast-origin.service')).join('\n'), '', 'no warnings about the unit');
});

t.test("the unit's system call filter allows what the DNS fast path (recvmmsg/sendmmsg) and libuv use", needs('systemd-analyze', 'systemd'), async (t) => {
  const filters = directives(UNIT).get('SystemCallFilter') ?? [];
  const allowSets = filters.filter((f) => !f.startsWith('~')).flatMap((f) => f.split(/\s+/));
  const denySets = filters.filter((f) => f.startsWith('~')).flatMap((f) => f.slice(1).split(/\s+/));
  // Expand a set (systemd-analyze prints member calls and nested @sets) into system calls.
  const expand = async (set: string, seen = new Set<string>()): Promise<Set<string>> => {
    const out = new Set<string>();
    if (seen.has(set)) return out;
    seen.add(set);
    const r = await run('systemd-analyze', ['syscall-filter', set]);
    t.equal(r.code, 0, `systemd-analyze syscall-filter ${set}: ${r.stderr}`);
    for (const raw of r.stdout.split('\n').slice(1)) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      if (line.startsWith('@')) for (const c of await expand(line, seen)) out.add(c);
      else out.add(line);
    }
    return out;
  };
  const allowed = new Set<string>();
  for (const s of allowSets) for (const c of s.startsWith('@') ? await expand(s) : [s]) allowed.add(c);
  for (const s of denySets) for (const c of s.startsWith('@') ? await expand(s) : [s]) allowed.delete(c);
  for (const call of ['recvmmsg', 'sendmmsg', 'recvmsg', 'sendmsg', 'epoll_wait', 'epoll_ctl', 'bind', 'setsockopt', 'getsockname']) {
    t.ok(allowed.has(call), `${call} allowed`);
  }
});
