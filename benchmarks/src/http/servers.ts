/**
 * The HTTP peers of the benchmark: our origin, nginx, Go net/http and node:http, all serving
 * the same body (`hostname: <id>\n`) and headers, each started pinned to one core.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, nginxConf } from '@anycast-origin/testkit';
import { BENCH_ROOT, spawnLogged, untilListening } from '../lib/harness.js';
import type { Logged } from '../lib/harness.js';

export const INSTANCE_ID = 'i-0e32d5b1a3f76cc05';
export const ZONE = 'us-west-2c';
export const REGION = 'us-west-2';
export const ID = `${INSTANCE_ID}.${ZONE}`;
export const BODY = `hostname: ${ID}\n`;

export const PEERS = ['origin', 'nginx', 'go', 'node'] as const;
export type Peer = (typeof PEERS)[number];
export const PEER_LABELS: Record<Peer, string> = {
  origin: '@anycast-origin/http-origin (uWS, 1 thread)',
  nginx: 'nginx (1 worker, return 200)',
  go: 'Go net/http',
  node: 'node:http',
};

/** Tools the benchmark needs, with the Debian package of each. */
export const TOOLS = [
  { command: 'taskset', aptPackage: 'util-linux' },
  { command: 'wrk', aptPackage: 'wrk' },
  { command: 'nginx', aptPackage: 'nginx-light' },
  { command: 'go', aptPackage: 'golang-go' },
] as const;

const HERE = dirname(fileURLToPath(import.meta.url));
/** From dist: the compiled .js entries. From source (tests under tap): the .ts ones, with tap's loader. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const nodeEntry = (name: string): string[] => (FROM_SOURCE ? [...process.execArgv, join(HERE, `${name}.ts`)] : [join(HERE, `${name}.js`)]);

/** nginx.conf: one process (no master), one worker's worth of work, `return 200` with the body and the origin's headers. */
export function nginxConfig(port: number, dir: string): string {
  return nginxConf({
    port, dir, body: BODY, reuseport: true, keepaliveRequests: 10_000_000,
    headers: { 'x-served-by': ID, 'x-origin-region': REGION, 'cache-control': 'no-store' },
  });
}

/** Build server.go into `dir` with the Go toolchain (offline: GOPROXY=off, GOTOOLCHAIN=local). */
export async function buildGo(dir: string): Promise<string> {
  const src = join(BENCH_ROOT, 'src', 'http', 'server.go');
  const out = join(dir, 'go-server');
  const env = {
    ...process.env,
    GOCACHE: join(dir, 'gocache'),
    GOPATH: join(dir, 'gopath'),
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    GOFLAGS: '',
    GO111MODULE: 'off',
    CGO_ENABLED: '0',
  };
  const child = spawn('go', ['build', '-o', out, src], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`go build ${src} failed (exit ${code}): ${err}`);
  return out;
}

export interface Running {
  peer: Peer;
  port: number;
  child: ChildProcess;
  /** What the server printed, for error messages. */
  output(): string;
}

/** Start one peer pinned to `cpu`; resolves once its port accepts connections. */
export async function startPeer(peer: Peer, cpu: number, dir: string, goBinary?: string): Promise<Running> {
  const port = await freePort();
  let p: Logged;
  switch (peer) {
    case 'origin':
      p = spawnLogged(cpu, process.execPath, [...nodeEntry('origin-server'), String(port), INSTANCE_ID, ZONE]);
      break;
    case 'node':
      p = spawnLogged(cpu, process.execPath, [...nodeEntry('node-server'), String(port), ID, REGION]);
      break;
    case 'nginx': {
      const conf = join(dir, `nginx-${port}.conf`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(conf, nginxConfig(port, dir));
      p = spawnLogged(cpu, 'nginx', ['-e', join(dir, 'nginx-error.log'), '-p', dir, '-c', conf]);
      break;
    }
    case 'go':
      if (!goBinary) throw new Error('startPeer(go): build it first with buildGo()');
      p = spawnLogged(cpu, goBinary, [String(port), ID, REGION]);
      break;
  }
  await untilListening(p, port, peer);
  return { peer, port, ...p };
}

/** GET / once and check status, body and identity headers; throws naming what is wrong. */
export function checkAnswer(peer: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        const problems: string[] = [];
        if (res.statusCode !== 200) problems.push(`status ${res.statusCode}`);
        if (body !== BODY) problems.push(`body ${JSON.stringify(body)} instead of ${JSON.stringify(BODY)}`);
        if (res.headers['x-served-by'] !== ID) problems.push(`x-served-by ${String(res.headers['x-served-by'])}`);
        if (res.headers['cache-control'] !== 'no-store') problems.push(`cache-control ${String(res.headers['cache-control'])}`);
        if (problems.length) reject(new Error(`${peer} on port ${port} answered wrong: ${problems.join('; ')}`));
        else resolve();
      });
    });
    req.on('error', (err) => reject(new Error(`${peer} on port ${port}: ${err.message}`)));
    req.end();
  });
}
