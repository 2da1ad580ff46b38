import t from 'tap';
import { readFileSync } from 'node:fs';
import { tableIn } from '@anycast-origin/options';
import { InvalidOptionError, OPTIONS, optionsTable, resolveOptions } from '../src/index.js';

t.test('the README\'s option table is the one the descriptions render', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  t.equal(tableIn(readme), optionsTable(), 'run node scripts/docs.mjs after changing an option');
  t.ok(OPTIONS);
});

t.test('defaults', async (t) => {
  const o = resolveOptions({});
  t.equal(o.host, '127.0.0.1');
  t.equal(o.deploySeconds, 2);
  t.equal(o.transactionInProgress, 'all');
  t.equal(o.healthCheck.minIntervalSeconds, 10);
  t.equal(o.udp.idleTimeoutSeconds, 30);
  t.equal(o.tcp.idleTimeoutSeconds, 300);
  t.same(o.defaultLocation, { lat: 45.52, lon: -122.68 });
  t.same([...o.portMap], []);
  t.same(o.quotas, { accelerators: 20, listenersPerAccelerator: 10, endpointGroupsPerAccelerator: 42, endpointsPerGroup: 10 });
  t.ok(Object.isFrozen(o));
});

t.test('nested options, maps and lists are normalized', async (t) => {
  const o = resolveOptions({
    portMap: { 80: 8080, 53: 0 },
    vantages: [{ address: '127.20.0.1', lat: -33.87, lon: 151.21, override: ['us-west-2'], edge: 'SYD1' }],
    endpoints: [{ id: 'i-0123456789abcdef0', address: '127.10.0.1', ports: { 80: 8080 } }],
    healthCheck: { minIntervalSeconds: 0.5 },
  });
  t.same([...o.portMap], [[53, 0], [80, 8080]]);
  t.same(o.vantages[0]?.override, ['us-west-2']);
  t.same([...(o.endpoints[0]?.ports ?? [])], [[80, 8080]]);
  t.equal(o.healthCheck.minIntervalSeconds, 0.5);
});

t.test('every refusal names the option, in one message format', async (t) => {
  const bad: [unknown, string, RegExp][] = [
    [{ port: 70000 }, 'port', /^port must be an integer 0\.\.65535, got 70000$/],
    [{ host: '10.0.0.1' }, 'host', /^host must be an IPv4 loopback address/],
    [{ deploySeconds: -1 }, 'deploySeconds', /must be a number 0\.\.3600 \(s\), got -1/],
    [{ transactionInProgress: 'some' }, 'transactionInProgress', /must be one of 'all', 'modeled', 'off', got "some"/],
    [{ addressPool: '10.0.0.0/8' }, 'addressPool', /loopback CIDR/],
    [{ portMap: { http: 80 } }, 'portMap', /^portMap must be an object \{ listenerPort: boundPort \(0 = ephemeral\) \}, got http = 80 \(Invalid key in record\)$/],
    [{ portMap: [80] }, 'portMap', /^portMap must be an object \{ listenerPort: boundPort \(0 = ephemeral\) \}, got an array$/],
    [{ healthCheck: { minIntervalSeconds: 0 } }, 'healthCheck.minIntervalSeconds', /must be a number 0\.05\.\.10 \(s\), got 0/],
    [{ healthCheck: { interval: 1 } }, 'healthCheck.interval', /is not a known option \(known: minIntervalSeconds, timeoutMs\)/],
    [{ vantages: [{ address: '127.0.0.9', lat: 91, lon: 0 }] }, 'vantages[0].lat', /vantages\[0\]\.lat must be a number -90\.\.90/],
    [{ vantages: [{ address: '127.0.0.9', lat: 1, lon: 0, override: ['mars-1'] }] }, 'vantages[0].override[0]', /must be one of/],
    [{ endpoints: [{ id: 'instance-1', address: '127.0.0.9' }] }, 'endpoints[0].id', /EC2 instance id/],
    [{ endpoints: [{ id: 'i-0123456789abcdef0', address: '10.0.0.9' }] }, 'endpoints[0].address', /loopback/],
    [{ faults: { ListAccelerators: { rate: 2 } } }, 'faults', /^faults must be an object .*, got ListAccelerators\.rate = 2 \(.*<=1\)$/],
    [{ flowLogs: { stream: 'stdout' } }, 'flowLogs.stream', /writable stream/],
    [{ colour: 'blue' }, 'colour', /is not a known option/],
    ['x', 'options', /must be an object/],
  ];
  for (const [input, option, message] of bad) {
    const e = t.throws(() => resolveOptions(input)) as InvalidOptionError;
    t.ok(e instanceof InvalidOptionError, `${option}: InvalidOptionError`);
    t.equal(e.code, 'GA_EMULATOR_ERR_INVALID_OPTION');
    t.equal(e.option, option);
    t.match(e.message, message);
  }
});
