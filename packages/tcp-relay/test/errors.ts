import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { optionsTable, tableIn } from '@anycast-origin/options';
import { ERROR_CODES, InvalidOptionError, InvalidStateError, LISTEN_OPTIONS, LISTEN_TABLE_END, LISTEN_TABLE_START, OPTIONS, TcpRelayError, createTcpRelay } from '../src/index.js';
import type { ListenOptions, TcpRelayOptions } from '../src/index.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

t.test('errors carry stable codes; InvalidOptionError names the option', async (t) => {
  const e = new InvalidOptionError('maxFlows', 'must be an integer 1..1000000, got 0');
  t.ok(e instanceof TcpRelayError);
  t.match(e, { code: 'TCP_RELAY_ERR_INVALID_OPTION', option: 'maxFlows', name: 'InvalidOptionError', message: 'maxFlows must be an integer 1..1000000, got 0' });
  t.match(new InvalidStateError('x'), { code: 'TCP_RELAY_ERR_INVALID_STATE', name: 'InvalidStateError' });
  t.ok(Object.isFrozen(ERROR_CODES));
});

t.test('the README documents every error code', async (t) => {
  for (const code of ERROR_CODES) t.match(readme, `\`${code}\``, code);
});

t.test('the C header and the TypeScript wrapper agree on the shared layout', async (t) => {
  const header = readFileSync(fileURLToPath(new URL('../src/tcp_relay.h', import.meta.url)), 'utf8');
  const wrapper = readFileSync(fileURLToPath(new URL('../src/index.ts', import.meta.url)), 'utf8');
  const defines = [...header.matchAll(/^#define ((?:REC|KIND|STAT|CREATE)_\w+) (\d+)/gm)];
  t.ok(defines.length >= 20);
  for (const [, name, value] of defines) {
    if (wrapper.includes(`const ${name} =`)) t.match(wrapper, `const ${name} = ${value};`, `${name} = ${value}`);
  }
  const reasons = [...header.matchAll(/^#define END_(\w+) (\d+)/gm)].map(([, name, v]) => [Number(v), (name as string).toLowerCase().replace(/_/g, '-')]);
  const list = /const REASONS: readonly EndReason\[\] = \[([^\]]+)\]/.exec(wrapper)?.[1]?.match(/'[^']+'/g)?.map((s) => s.slice(1, -1));
  t.same(reasons.map(([v, name]) => [v, name]), (list ?? []).map((name, i) => [i + 1, name]), 'END_* codes in order');
});

t.test('options are validated up front, naming the option, in the one message format', async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ maxFlows: 0 }, 'maxFlows'], [{ maxFlows: 1.5 }, 'maxFlows'], [{ idleTimeoutSeconds: 0 }, 'idleTimeoutSeconds'],
    [{ bufferBytes: 100 }, 'bufferBytes'], [{ bufferBytes: 2 << 20 }, 'bufferBytes'], [{ transfer: 'zero-copy' }, 'transfer'],
    [{ onFlowEnd: 1 }, 'onFlowEnd'], [{ onError: 'x' }, 'onError'], [{ nope: 1 }, 'nope'],
  ];
  for (const [bad, option] of cases) {
    t.throws(() => createTcpRelay(bad as TcpRelayOptions), { name: 'InvalidOptionError', option, code: 'TCP_RELAY_ERR_INVALID_OPTION', message: new RegExp(`^${option} `) }, option);
  }
  t.throws(() => createTcpRelay({ maxFlows: 0 }), { message: 'maxFlows must be an integer 1..1000000, got 0' });
  const relay = createTcpRelay();
  t.teardown(() => relay.close());
  const ok = { host: '127.0.0.1', port: 0, onConnection: () => null };
  const listenCases: [Record<string, unknown>, string][] = [
    [{ host: 'localhost' }, 'host'], [{ port: 70000 }, 'port'], [{ backlog: 0 }, 'backlog'], [{ onConnection: 'x' }, 'onConnection'],
  ];
  for (const [bad, option] of listenCases) {
    t.throws(() => relay.listen({ ...ok, ...bad } as ListenOptions), { name: 'InvalidOptionError', option }, option);
  }
  t.throws(() => relay.listen({ host: '127.0.0.1' } as ListenOptions), { message: 'onConnection is required (a function)' });
});

t.test('the README option tables are the ones the option descriptions make', async (t) => {
  t.equal(tableIn(readme), optionsTable(OPTIONS));
  t.equal(tableIn(readme, LISTEN_TABLE_START, LISTEN_TABLE_END), optionsTable(LISTEN_OPTIONS));
});
