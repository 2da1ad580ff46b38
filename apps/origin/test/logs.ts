import t from 'tap';
import { channel } from 'node:diagnostics_channel';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { CHANNELS as DNS_CHANNELS } from '@anycast-origin/dns-origin';
import { CHANNELS as HTTP_CHANNELS, WorkerError } from '@anycast-origin/http-origin';
import { logLibraryEvents } from '../src/main.js';
import { startOrigin } from './fixtures/origin.js';

/** A pino logger writing JSON lines into an array. */
function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, dest), lines };
}

t.test('what the libraries publish is logged with its code; unsubscribing stops it', async (t) => {
  const { log, lines } = capture();
  const stop = logLibraryEvents(log);
  const err = Object.assign(new Error('send EPERM 192.0.2.1:53'), { code: 'EPERM' });
  channel(DNS_CHANNELS.socketError).publish({ error: err });
  channel(HTTP_CHANNELS.error).publish({ origin: {}, error: new WorkerError(1, 'exited unexpectedly with code 1') });
  channel(DNS_CHANNELS.workerExit).publish({ pid: 1234, code: null, signal: 'SIGKILL', restarting: true });
  await new Promise((r) => setImmediate(r));
  t.match(lines[0], { level: 40, msg: 'dns socket error', code: 'EPERM', err: { message: 'send EPERM 192.0.2.1:53' } });
  t.match(lines[1], { level: 50, msg: 'http worker thread failed', code: 'HTTP_ORIGIN_ERR_WORKER' });
  t.match(lines[2], { level: 50, msg: 'dns worker process exited', pid: 1234, signal: 'SIGKILL', restarting: true });
  stop();
  channel(DNS_CHANNELS.socketError).publish({ error: err });
  await new Promise((r) => setImmediate(r));
  t.equal(lines.length, 3, 'nothing after unsubscribing');
});

t.test('a DNS worker process killed under the running command: one error log line, and a replacement', async (t) => {
  const o = await startOrigin(t, ['--dns-workers', '2', '--http', 'off', '--drain-seconds', '0']);
  const { execFileSync } = await import('node:child_process');
  // The command's cluster workers are its child processes.
  const kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(o.child.pid)]).toString().trim().split(/\s+/).map(Number);
  t.equal(kids.length, 2, 'two DNS workers');
  process.kill(kids[0] as number, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  let line: Record<string, unknown> | undefined;
  while (!line && Date.now() < deadline) {
    line = o.logs.find((l) => l.msg === 'dns worker process exited');
    await new Promise((r) => setTimeout(r, 50));
  }
  t.match(line, { level: 50, pid: kids[0], signal: 'SIGKILL', restarting: true, code: 'DNS_ORIGIN_WORKER_EXIT' });
  o.child.kill('SIGTERM');
  t.equal((await o.exit).code, 0);
});
