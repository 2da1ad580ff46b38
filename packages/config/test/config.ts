import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigFieldError, ConfigFileError, drainSecondsFor, loadConfig, parseConfig } from '../src/index.js';

const SEED_REGIONS = ['us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-1'];
const SHIPPED = fileURLToPath(new URL('../../../infra/anycast.config.json', import.meta.url));

t.test('defaults', async (t) => {
  t.test('GIVEN an empty config WHEN parsed THEN it is the seed service: 4 regions x 2 instances, 3 listeners, health checks by what each serves', async (t) => {
    const c = parseConfig({}, { baseDir: '/repo/infra' });
    t.equal(c.acceleratorName, 'anycast-origin');
    t.equal(c.ipAddressType, 'IPV4');
    t.same(c.ipAddresses, []);
    t.equal(c.flowLogs, null);
    t.equal(c.homeRegion, 'us-west-2');
    const timing = { intervalSeconds: 10, thresholdCount: 3 };
    t.same(c.listeners, [
      { name: 'http', protocol: 'TCP', port: 80, serves: 'http', clientAffinity: 'NONE', healthCheck: { protocol: 'HTTP', port: 80, path: '/healthz', ...timing } },
      { name: 'dns-udp', protocol: 'UDP', port: 53, serves: 'dns', clientAffinity: 'NONE', healthCheck: { protocol: 'TCP', port: 53, path: '/healthz', ...timing } },
      { name: 'dns-tcp', protocol: 'TCP', port: 53, serves: 'dns', clientAffinity: 'NONE', healthCheck: { protocol: 'TCP', port: 53, path: '/healthz', ...timing } },
    ], 'DNS groups are checked over TCP 53, as the seed checked them');
    t.same(c.regions.map((r) => r.region), SEED_REGIONS);
    for (const r of c.regions) {
      t.same(r, { region: r.region, instanceCount: 2, instanceType: 't3.micro', trafficDial: 100, weights: [128, 128], clientIpPreservation: true, ipv6: false, vpcCidr: '10.0.0.0/16', publicIp: false, ssmEndpoints: false, availabilityZones: null });
    }
    t.equal(c.artifactPath, '/repo/apps/origin/artifact/anycast-origin-linux.tar.gz', 'relative to the config file');
    t.ok(Object.isFrozen(c) && Object.isFrozen(c.regions[0]) && Object.isFrozen(c.regions[0]?.weights), 'deeply frozen');
  });

  t.test('GIVEN the shipped infra/anycast.config.json WHEN loaded THEN it equals the built-in defaults', async (t) => {
    t.same(loadConfig(SHIPPED), parseConfig({}, { baseDir: join(SHIPPED, '..') }));
  });

  t.test('GIVEN regions as plain names, a defaults block and per-region overrides THEN each field resolves region > defaults > built-in', async (t) => {
    const c = parseConfig({
      defaults: { instanceCount: 3, weight: 10, trafficDial: 80, clientIpPreservation: false },
      healthCheck: { thresholdCount: 5 },
      regions: ['us-east-1', { region: 'eu-central-1', trafficDial: 50.5, instanceCount: 2, weight: [1, 0], clientIpPreservation: true }],
    });
    t.match(c.regions[0], { region: 'us-east-1', instanceCount: 3, weights: [10, 10, 10], trafficDial: 80, clientIpPreservation: false });
    t.match(c.regions[1], { region: 'eu-central-1', instanceCount: 2, weights: [1, 0], trafficDial: 50.5, clientIpPreservation: true }, 'dials are percentages: fractions allowed, as the API takes');
    t.match(c.listeners[0]?.healthCheck, { thresholdCount: 5, intervalSeconds: 10 });
  });

  t.test('GIVEN public origins and SSM endpoints by default and one region overriding both THEN each region resolves them', async (t) => {
    const c = parseConfig({ defaults: { publicIp: true, ssmEndpoints: true }, regions: ['us-east-1', { region: 'eu-central-1', publicIp: false, ssmEndpoints: false }] });
    t.match(c.regions, [{ region: 'us-east-1', publicIp: true, ssmEndpoints: true }, { region: 'eu-central-1', publicIp: false, ssmEndpoints: false }]);
    t.throws(() => parseConfig({ defaults: { publicIp: 'yes' } }), { field: 'defaults.publicIp', code: 'CONFIG_ERR_INVALID_FIELD' });
  });

  t.test('GIVEN a listener health check THEN it wins over the default by what it serves', async (t) => {
    const c = parseConfig({
      listeners: [
        { name: 'http', protocol: 'TCP', port: 80, serves: 'http', healthCheck: { path: '/ready', intervalSeconds: 30 } },
        { name: 'dns-udp', protocol: 'UDP', port: 53, serves: 'dns', healthCheck: { protocol: 'HTTP', port: 80 } },
      ],
    });
    t.same(c.listeners[0]?.healthCheck, { protocol: 'HTTP', port: 80, path: '/ready', intervalSeconds: 30, thresholdCount: 3 });
    t.same(c.listeners[1]?.healthCheck, { protocol: 'HTTP', port: 80, path: '/healthz', intervalSeconds: 10, thresholdCount: 3 });
    const noTcpDns = parseConfig({ listeners: [{ name: 'http', protocol: 'TCP', port: 80, serves: 'http' }, { name: 'dns', protocol: 'UDP', port: 53, serves: 'dns' }] });
    t.match(noTcpDns.listeners[1]?.healthCheck, { protocol: 'HTTP', port: 80 }, 'no DNS over TCP: the HTTP origin\'s /healthz');
  });

  t.test('GIVEN keys starting with $ or flowLogs null THEN they are notes / off', async (t) => {
    t.equal(parseConfig({ $comment: 'x', flowLogs: null }).flowLogs, null);
    t.same(parseConfig({ flowLogs: { s3Bucket: 'my-logs' } }).flowLogs, { s3Bucket: 'my-logs', s3Prefix: '' });
  });

  t.test('drainSecondsFor: interval x threshold until unhealthy, plus one interval to reach every edge', async (t) => {
    t.equal(drainSecondsFor({ intervalSeconds: 10, thresholdCount: 3 }), 40);
    t.equal(drainSecondsFor({ intervalSeconds: 30, thresholdCount: 3 }), 120);
    t.equal(drainSecondsFor(parseConfig({}).listeners[0]!.healthCheck), 40);
  });
});

t.test('every config error names its field, in the one message format', async (t) => {
  // [what, raw config, field, code, message pattern]
  const cases: [string, unknown, string, string, RegExp][] = [
    ['unknown region', { regions: ['us-east-1', 'mars-north-1'] }, 'regions[1].region', 'CONFIG_ERR_UNKNOWN_REGION', /^regions\[1\]\.region must be an AWS region name Global Accelerator can send traffic to \(KNOWN_REGIONS\), got "mars-north-1"$/],
    ['unknown home region', { homeRegion: 'us-east-9' }, 'homeRegion', 'CONFIG_ERR_UNKNOWN_REGION', /got "us-east-9"/],
    ['dial above 100', { regions: [{ region: 'eu-central-1', trafficDial: 150 }] }, 'regions[0].trafficDial', 'CONFIG_ERR_OUT_OF_RANGE', /^regions\[0\]\.trafficDial must be a number 0\.\.100 \(percent\), got 150$/],
    ['dial below 0', { defaults: { trafficDial: -1 } }, 'defaults.trafficDial', 'CONFIG_ERR_OUT_OF_RANGE', /got -1/],
    ['weight above 255', { regions: [{ region: 'us-east-1', weight: 256 }] }, 'regions[0].weight', 'CONFIG_ERR_OUT_OF_RANGE', /must be an integer 0\.\.255, or a list of them \(one per instance\), got 256/],
    ['weights not matching the instances', { regions: [{ region: 'us-east-1', instanceCount: 3, weight: [1, 2] }] }, 'regions[0].weight', 'CONFIG_ERR_INVALID_FIELD', /must list one weight per instance \(3\), got 2/],
    ['more than 10 endpoints in a group', { regions: [{ region: 'us-east-1', instanceCount: 11 }] }, 'regions[0].instanceCount', 'CONFIG_ERR_QUOTA', /must be an integer 1\.\.10, got 11/],
    ['zero instances', { defaults: { instanceCount: 0 } }, 'defaults.instanceCount', 'CONFIG_ERR_OUT_OF_RANGE', /1\.\.10, got 0/],
    ['more than 10 listeners', { listeners: Array.from({ length: 11 }, (_, i) => ({ name: `l${i}`, protocol: 'TCP', port: 1000 + i, serves: 'dns' })) }, 'listeners', 'CONFIG_ERR_QUOTA', /must be a list of 1\.\.10 items/],
    ['more than 42 endpoint groups', { regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1'] }, 'regions', 'CONFIG_ERR_QUOTA', /15 regions x 3 listeners = 45/],
    ['UDP health check', { listeners: [{ name: 'dns', protocol: 'UDP', port: 53, serves: 'dns', healthCheck: { protocol: 'UDP' } }] }, 'listeners[0].healthCheck.protocol', 'CONFIG_ERR_UDP_HEALTH_CHECK', /no UDP health check/],
    ['HTTPS health check (the origin serves HTTP)', { listeners: [{ name: 'http', protocol: 'TCP', port: 80, serves: 'http', healthCheck: { protocol: 'HTTPS' } }] }, 'listeners[0].healthCheck.protocol', 'CONFIG_ERR_INVALID_FIELD', /one of 'HTTP', 'TCP'/],
    ['health-check interval not 10 or 30', { healthCheck: { intervalSeconds: 20 } }, 'healthCheck.intervalSeconds', 'CONFIG_ERR_INVALID_FIELD', /must be 10 or 30 \(seconds\), got 20/],
    ['threshold above 10', { healthCheck: { thresholdCount: 11 } }, 'healthCheck.thresholdCount', 'CONFIG_ERR_OUT_OF_RANGE', /1\.\.10, got 11/],
    ['health-check path without /', { listeners: [{ name: 'http', protocol: 'TCP', port: 80, serves: 'http', healthCheck: { path: 'healthz' } }] }, 'listeners[0].healthCheck.path', 'CONFIG_ERR_INVALID_FIELD', /starting with \//],
    ['health-check port not a TCP listener', { listeners: [{ name: 'http', protocol: 'TCP', port: 80, serves: 'http', healthCheck: { port: 8080 } }] }, 'listeners[0].healthCheck.port', 'CONFIG_ERR_HEALTH_CHECK_PORT', /must be the port of a TCP listener \(80\).*got 8080/],
    ['a UDP-only service with nothing to check', { listeners: [{ name: 'dns', protocol: 'UDP', port: 53, serves: 'dns' }] }, 'listeners[0].healthCheck', 'CONFIG_ERR_HEALTH_CHECK_PORT', /no TCP listener serves DNS or HTTP/],
    ['DUAL_STACK without IPv6 in the VPCs', { ipAddressType: 'DUAL_STACK' }, 'regions[0].ipv6', 'CONFIG_ERR_DUAL_STACK_NEEDS_IPV6', /DUAL_STACK needs IPv6 in every VPC/],
    ['DUAL_STACK with one region left on IPv4', { ipAddressType: 'DUAL_STACK', defaults: { ipv6: true }, regions: ['us-east-1', { region: 'us-west-2', ipv6: false }] }, 'regions[1].ipv6', 'CONFIG_ERR_DUAL_STACK_NEEDS_IPV6', /DUAL_STACK/],
    ['unknown ip address type', { ipAddressType: 'IPV6' }, 'ipAddressType', 'CONFIG_ERR_INVALID_FIELD', /one of 'IPV4', 'DUAL_STACK'/],
    ['three BYOIP addresses', { ipAddresses: ['198.51.100.1', '198.51.100.2', '198.51.100.3'] }, 'ipAddresses', 'CONFIG_ERR_OUT_OF_RANGE', /at most 2/],
    ['a BYOIP address that is not IPv4', { ipAddresses: ['2001:db8::1'] }, 'ipAddresses[0]', 'CONFIG_ERR_INVALID_FIELD', /IPv4 address/],
    ['the same BYOIP address twice', { ipAddresses: ['198.51.100.1', '198.51.100.1'] }, 'ipAddresses', 'CONFIG_ERR_DUPLICATE', /twice/],
    ['flow logs without a bucket', { flowLogs: { s3Prefix: 'x/' } }, 'flowLogs.s3Bucket', 'CONFIG_ERR_INVALID_FIELD', /is required/],
    ['flow logs to a bad bucket name', { flowLogs: { s3Bucket: 'My_Bucket' } }, 'flowLogs.s3Bucket', 'CONFIG_ERR_INVALID_FIELD', /S3 bucket name/],
    ['unknown client affinity', { clientAffinity: 'STICKY' }, 'clientAffinity', 'CONFIG_ERR_INVALID_FIELD', /'NONE', 'SOURCE_IP'/],
    ['listener on UDP for http', { listeners: [{ name: 'web', protocol: 'UDP', port: 80, serves: 'http' }] }, 'listeners[0].protocol', 'CONFIG_ERR_INVALID_FIELD', /must be TCP/],
    ['listener on port 22', { listeners: [{ name: 'ssh', protocol: 'TCP', port: 22, serves: 'dns' }] }, 'listeners[0].port', 'CONFIG_ERR_INVALID_FIELD', /SSH\/RDP/],
    ['listener port 70000', { listeners: [{ name: 'x', protocol: 'TCP', port: 70000, serves: 'dns' }] }, 'listeners[0].port', 'CONFIG_ERR_OUT_OF_RANGE', /1\.\.65535/],
    ['listener without protocol', { listeners: [{ name: 'x', port: 80, serves: 'http' }] }, 'listeners[0].protocol', 'CONFIG_ERR_INVALID_FIELD', /is required/],
    ['two listeners on one protocol and port', { listeners: [{ name: 'a', protocol: 'TCP', port: 80, serves: 'http' }, { name: 'b', protocol: 'TCP', port: 80, serves: 'dns' }] }, 'listeners[1]', 'CONFIG_ERR_DUPLICATE', /TCP 80 is already listeners\[0\]/],
    ['two listeners with one name', { listeners: [{ name: 'a', protocol: 'TCP', port: 80, serves: 'http' }, { name: 'a', protocol: 'TCP', port: 53, serves: 'dns' }] }, 'listeners[1].name', 'CONFIG_ERR_DUPLICATE', /is already listeners\[0\]/],
    ['no listeners', { listeners: [] }, 'listeners', 'CONFIG_ERR_OUT_OF_RANGE', /1\.\.10 items/],
    ['no regions', { regions: [] }, 'regions', 'CONFIG_ERR_OUT_OF_RANGE', /at least 1/],
    ['a region twice', { regions: ['us-east-1', 'us-east-1'] }, 'regions[1].region', 'CONFIG_ERR_DUPLICATE', /one endpoint group per region per listener/],
    ['a misspelt field', { regions: [{ region: 'us-east-1', trafficdial: 50 }] }, 'regions[0].trafficdial', 'CONFIG_ERR_UNKNOWN_FIELD', /is not a known option \(known: .*trafficDial/],
    ['a misspelt top-level field', { acceleratorname: 'x' }, 'acceleratorname', 'CONFIG_ERR_UNKNOWN_FIELD', /is not a known option/],
    ['an accelerator name with capitals', { acceleratorName: 'Anycast' }, 'acceleratorName', 'CONFIG_ERR_INVALID_FIELD', /lowercase/],
    ['a bad instance type', { defaults: { instanceType: 'large' } }, 'defaults.instanceType', 'CONFIG_ERR_INVALID_FIELD', /like t3\.micro/],
    ['a VPC CIDR too large', { defaults: { vpcCidr: '10.0.0.0/8' } }, 'defaults.vpcCidr', 'CONFIG_ERR_INVALID_FIELD', /\/16\.\.\/24/],
    ['a VPC CIDR with host bits', { regions: [{ region: 'us-east-1', vpcCidr: '10.0.0.1/16' }] }, 'regions[0].vpcCidr', 'CONFIG_ERR_INVALID_FIELD', /host bits/],
    ['one availability zone', { regions: [{ region: 'us-east-1', availabilityZones: ['us-east-1a'] }] }, 'regions[0].availabilityZones', 'CONFIG_ERR_OUT_OF_RANGE', /list of 2\.\.2 items/],
    ['a zone of another region', { regions: [{ region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-west-2b'] }] }, 'regions[0].availabilityZones[1]', 'CONFIG_ERR_INVALID_FIELD', /must be a zone of us-east-1/],
    ['the same zone twice', { regions: [{ region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1a'] }] }, 'regions[0].availabilityZones', 'CONFIG_ERR_DUPLICATE', /two different zones/],
    ['ipv6 not a boolean', { defaults: { ipv6: 'yes' } }, 'defaults.ipv6', 'CONFIG_ERR_INVALID_FIELD', /true or false/],
    ['a tag value that is not a string', { tags: { team: 7 } }, 'tags', 'CONFIG_ERR_INVALID_FIELD', /tags/],
    ['an aws: tag', { tags: { 'aws:x': 'y' } }, 'tags', 'CONFIG_ERR_INVALID_FIELD', /aws:/],
    ['regions not an array', { regions: 'us-east-1' }, 'regions', 'CONFIG_ERR_INVALID_FIELD', /must be a list/],
    ['a config that is not an object', [], 'config', 'CONFIG_ERR_INVALID_FIELD', /must be an object/],
    ['null', null, 'config', 'CONFIG_ERR_INVALID_FIELD', /must be an object, got null/],
  ];
  for (const [what, raw, field, code, message] of cases) {
    t.test(`GIVEN ${what} WHEN parsed THEN ${code} names ${field}`, async (t) => {
      const err = t.throws(() => parseConfig(raw)) as unknown as ConfigFieldError;
      t.ok(err instanceof ConfigFieldError, 'a ConfigFieldError');
      t.match(err, { field, code, message });
      t.ok(err.message.startsWith(`${field} `), 'the message starts with the field');
    });
  }
});

t.test('loadConfig', async (t) => {
  const dir = t.testdir({
    'good.json': JSON.stringify({ regions: ['us-east-1'], artifactPath: 'artifact/x.tar.gz' }),
    'bad.json': '{ "regions": [ }',
    'wrong.json': JSON.stringify({ regions: [{ region: 'eu-central-1', trafficDial: 101 }] }),
  });
  t.equal(loadConfig(join(dir, 'good.json')).artifactPath, join(dir, 'artifact/x.tar.gz'), 'a relative artifactPath resolves against the file');
  t.throws(() => loadConfig(join(dir, 'nope.json')), { code: 'CONFIG_ERR_FILE', message: /config file .*nope\.json: cannot read it \(ENOENT\)/ });
  t.throws(() => loadConfig(join(dir, 'bad.json')), ConfigFileError);
  t.throws(() => loadConfig(join(dir, 'bad.json')), { message: /not valid JSON/ });
  t.throws(() => loadConfig(join(dir, 'wrong.json')), { field: 'regions[0].trafficDial', code: 'CONFIG_ERR_OUT_OF_RANGE' });
  writeFileSync(join(dir, 'null.json'), 'null');
  t.throws(() => loadConfig(join(dir, 'null.json')), { code: 'CONFIG_ERR_FILE', message: /must hold a JSON object/ });
});
