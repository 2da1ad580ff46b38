import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isCI, needs } from '@anycast-origin/testkit';
import { stopChild } from '../src/lib/harness.js';
import { STREAM_APT_PACKAGE, nginxStreamConfig, nginxStreamModule, startNginxStream } from '../src/relay/nginx-stream.js';

t.test('nginx stream config: one process, the fixed upstream, the bind address, the half-close mode', async (t) => {
  const conf = nginxStreamConfig({ dir: '/tmp/x', port: 4000, upstream: { address: '127.0.0.1', port: 5000 }, bindAddress: '127.0.0.1', halfClose: true, module: '/m/ngx_stream_module.so' });
  t.match(conf, /^load_module \/m\/ngx_stream_module\.so;\n/);
  t.match(conf, /master_process off;/);
  t.match(conf, /worker_processes 1;/);
  t.match(conf, /listen 127\.0\.0\.1:4000 backlog=4096;/);
  t.match(conf, /proxy_pass 127\.0\.0\.1:5000;/);
  t.match(conf, /proxy_bind 127\.0\.0\.1;/);
  t.match(conf, /proxy_half_close on;/);
  const builtIn = nginxStreamConfig({ dir: '/tmp/x', port: 4000, upstream: { address: '127.0.0.1', port: 5000 }, bindAddress: '127.0.0.1', halfClose: false, module: null });
  t.notMatch(builtIn, /load_module/);
  t.match(builtIn, /proxy_half_close off;/);
});

/** Skipped (with the packages to install) where nginx or its stream module is missing; under CI a failure, as needs() makes it. */
function needsStream(): { skip?: string } {
  const nginx = needs('nginx', `nginx-light ${STREAM_APT_PACKAGE}`);
  if (nginx.skip) return nginx;
  try {
    nginxStreamModule();
    return {};
  } catch (err) {
    if (isCI()) throw err;
    return { skip: (err as Error).message };
  }
}

/**
 * The upstream answers once the client's FIN arrives ("got:" and what it read), the way a
 * client that half-closes and then waits for the answer needs.
 */
function answerAfterFin(): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('end', () => s.end(`got:${got}`));
    s.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function halfCloseExchange(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let answer = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (answer += d));
    s.on('error', reject);
    s.on('close', () => resolve(answer));
    s.end('ping');
  });
}

t.test('nginx stream proxy: with proxy_half_close on a half-closing client gets its answer (as through our relays); with the default it does not', { ...needsStream(), timeout: 60_000 }, async (t) => {
  const { module } = nginxStreamModule();
  const upstream = await answerAfterFin();
  const dir = mkdtempSync(join(tmpdir(), 'relay-peers-'));
  t.teardown(() => {
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const halfClose of [true, false]) {
    const port = await freePort();
    const nginx = await startNginxStream(0, { dir, port, upstream: { address: '127.0.0.1', port: (upstream.address() as AddressInfo).port }, bindAddress: '127.0.0.1', halfClose, module });
    try {
      t.equal(await halfCloseExchange(port), halfClose ? 'got:ping' : '', `proxy_half_close ${halfClose ? 'on' : 'off'}`);
    } finally {
      await stopChild(nginx.child);
    }
  }
});
