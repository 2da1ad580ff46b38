/**
 * The root README, tried as a new user tries it: a fresh clone of the committed tree, then
 * every command of its `sh` blocks, in order. Commands that keep running (`npm start`) run in
 * the background until they say they serve; the ones that follow run against them. A few are
 * not run, each for a reason a user would accept (they are listed with it below).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand, isCI, run } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// A fresh clone, npm ci, builds, the artifact, synth and the lab: minutes, not the package's 60 s.
t.setTimeout(25 * 60_000);

/** Commands the test does not run, and why. */
const NOT_RUN: [RegExp, string][] = [
  [/^npm test\b/, 'it is the suite this test is part of'],
  [/\bnpm run deploy\b|\bcdktf deploy\b|\baws\b(?!.*--endpoint-url)/, 'it needs an AWS account: never from a test'],
  [/^sudo\b|^apt-get\b/, 'it installs system packages (CI installs them before the tests)'],
];

/** Commands that keep running, and what they print once they serve. */
const LONG_RUNNING: [RegExp, RegExp][] = [
  [/^npm start\b/, /"msg":"serving"/],
  [/^npm run lab\b|^npx anycast-lab up\b/, /state written|anycast entries/i],
];

/** Every command of the README's sh blocks after the title, in order, comments stripped. */
export function readmeCommands(readme: string): string[] {
  const out: string[] = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    // A line ending in a backslash goes on with the next one, as in a shell.
    for (const raw of (block[1] ?? '').replace(/\\\n/g, ' ').split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line && !line.startsWith('#')) out.push(line);
    }
  }
  return out;
}

t.test('the README\'s commands, each split as a user runs them', async (t) => {
  t.same(readmeCommands('x\n```sh\nnpm ci && npm start   # a comment\n# only a comment\n\ncurl -s http://x/\n```\n'), ['npm ci && npm start', 'curl -s http://x/']);
  t.same(readmeCommands('```sh\nsudo apt-get install -y a \\\n  b c\n```\n'), ['sudo apt-get install -y a    b c']);
});

const needsTools = ['git', 'curl', 'dig'].filter((c) => !hasCommand(c));
t.test('a fresh clone runs every command the README shows, in order', { timeout: 20 * 60_000, ...(needsTools.length && !isCI() ? { skip: `needs ${needsTools.join(', ')}` } : {}) }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anycast-readme-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clone = await run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, dir], { timeoutMs: 120_000 });
  t.equal(clone.code, 0, `git clone: ${clone.stderr}`);
  const env = { ...process.env, CI: 'true', FORCE_COLOR: '0', TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
  const background: ChildProcess[] = [];
  t.teardown(async () => {
    for (const p of background) if (p.exitCode === null && p.signalCode === null) {
      process.kill(-(p.pid as number), 'SIGKILL');
      await once(p, 'exit');
    }
  });
  const commands = readmeCommands(readFileSync(join(dir, 'README.md'), 'utf8'));
  t.ok(commands.length > 5, `${commands.length} commands`);
  for (const line of commands) {
    const skip = NOT_RUN.find(([re]) => re.test(line));
    if (skip) {
      t.comment(`not run: ${line} (${skip[1]})`);
      continue;
    }
    // `a && b`: the parts in order, the last one maybe long-running.
    const parts = line.split(/\s*&&\s*/);
    for (const part of parts) {
      const long = LONG_RUNNING.find(([re]) => re.test(part));
      if (!long) {
        const r = await run('bash', ['-c', part], { cwd: dir, env, timeoutMs: 10 * 60_000 });
        t.equal(r.code, 0, `${part}: exit 0 ${r.code === 0 ? '' : `${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`}`);
        if (/^curl -s http:\/\/127\.0\.0\.1:8080\/$/.test(part)) t.match(r.stdout, /^hostname: \S+\n$/, 'the seed\'s answer');
        if (/id\.server txt ch \+short$/.test(part)) t.match(r.stdout, /^"\S+"\n$/, 'the seed\'s NSD answer');
        if (/--help$/.test(part)) t.match(r.stdout, /Usage:/);
        continue;
      }
      // Before another long-running command starts, stop the one before: Ctrl-C twice, as the README says.
      for (const p of background.splice(0)) {
        process.kill(-(p.pid as number), 'SIGINT');
        await new Promise((r) => setTimeout(r, 300));
        if (p.exitCode === null) process.kill(-(p.pid as number), 'SIGINT');
        const [code, signal] = (await once(p, 'exit')) as [number | null, NodeJS.Signals | null];
        // As a terminal's Ctrl-C ends it: exit 0 or 130, or the shell ended by the SIGINT itself.
        t.ok(code === 0 || code === 130 || signal === 'SIGINT', `the previous command stopped on Ctrl-C (exit ${code}, signal ${signal})`);
      }
      const child = spawn('bash', ['-c', part], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      background.push(child);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const deadline = Date.now() + 10 * 60_000;
      while (!long[1].test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      t.match(out, long[1], `${part}: serving`);
    }
  }
  for (const p of background.splice(0)) {
    process.kill(-(p.pid as number), 'SIGINT');
    const [code, signal] = (await once(p, 'exit')) as [number | null, NodeJS.Signals | null];
    // npm waits for the drained command, then may end itself by the SIGINT it was sent.
    t.ok(code === 0 || signal === 'SIGINT', `Ctrl-C: drains and stops (exit ${code}, signal ${signal})`);
  }
});
