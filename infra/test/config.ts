import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, DEFAULT_CONFIG_FILE, loadConfig, parseConfig, subnetCidr } from '../src/config.js';
import { ConfigFieldError, ConfigFileError } from '../src/errors.js';

const SEED_REGIONS = ['us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-1'];

t.test('defaults', async (t) => {
  t.test('GIVEN an empty config WHEN parsed THEN it is the seed service: 4 regions x 2 instances, 3 listeners, /healthz checks', async (t) => {
    const c = parseConfig({}, { baseDir: '/repo/infra' });
    t.equal(c.acceleratorName, 'anycast-origin');
    t.equal(c.ipAddressType, 'IPV4');
    t.same(c.ipAddresses, []);
    t.equal(c.flowLogs, null);
    t.equal(c.homeRegion, 'us-west-2');
    t.same(c.listeners, [
      { name: 'http', protocol: 'TCP', port: 80, serves: 'http', clientAffinity: 'NONE' },
      { name: 'dns-udp', protocol: 'UDP', port: 53, serves: 'dns', clientAffinity: 'NONE' },
      { name: 'dns-tcp', protocol: 'TCP', port: 53, serves: 'dns', clientAffinity: 'NONE' },
    ]);
    t.same(c.regions.map((r) => r.region), SEED_REGIONS);
    for (const r of c.regions) {
      t.same(r, {
        region: r.region,
        instanceCount: 2,
        instanceType: 't3.micro',
        trafficDial: 100,
        weights: [128, 128],
        healthCheck: { protocol: 'HTTP', port: 80, path: '/healthz', intervalSeconds: 10, thresholdCount: 3 },
        ipv6: false,
        vpcCidr: '10.0.0.0/16',
        availabilityZones: null,
      });
    }
    t.equal(c.artifactPath, '/repo/apps/origin/artifact/anycast-origin-linux.tar.gz', 'relative to the config file');
    t.ok(Object.isFrozen(c) && Object.isFrozen(c.regions[0]) && Object.isFrozen(c.regions[0]?.weights), 'deeply frozen');
    t.ok(Object.isFrozen(DEFAULTS) && Object.isFrozen(DEFAULTS.defaults.healthCheck));
  });

  t.test('GIVEN the shipped anycast.config.json WHEN loaded THEN it equals the built-in defaults', async (t) => {
    const shipped = loadConfig(DEFAULT_CONFIG_FILE);
    t.same(shipped, parseConfig({}, { baseDir: join(DEFAULT_CONFIG_FILE, '..') }));
  });

  t.test('GIVEN regions as plain names, a defaults block and per-region overrides THEN each field resolves region > defaults > built-in', async (t) => {
    const c = parseConfig({
      defaults: { instanceCount: 3, weight: 10, trafficDial: 80, healthCheck: { thresholdCount: 5 } },
      regions: ['us-east-1', { region: 'eu-central-1', trafficDial: 50, instanceCount: 2, weight: [1, 0], healthCheck: { intervalSeconds: 30 } }],
    });
    t.match(c.regions[0], { region: 'us-east-1', instanceCount: 3, weights: [10, 10, 10], trafficDial: 80, healthCheck: { thresholdCount: 5, intervalSeconds: 10 } });
    t.match(c.regions[1], { region: 'eu-central-1', instanceCount: 2, weights: [1, 0], trafficDial: 50, healthCheck: { thresholdCount: 5, intervalSeconds: 30 } });
  });

  t.test('GIVEN keys starting with $ THEN they are ignored (notes in the file)', async (t) => {
    t.doesNotThrow(() => parseConfig({ $comment: 'x', $schema: 'y', defaults: { $comment: 'z' }, regions: [{ region: 'us-east-1', $why: 'close to users' }] }));
  });
});

t.test('every config error names its field', async (t) => {
  // [what, raw config, field, code, message pattern]
  const cases: [string, Record<string, unknown>, string, string, RegExp][] = [
    ['unknown region', { regions: ['us-east-1', 'mars-north-1'] }, 'regions[1].region', 'INFRA_ERR_UNKNOWN_REGION', /unknown region "mars-north-1"/],
    ['unknown home region', { homeRegion: 'us-east-9' }, 'homeRegion', 'INFRA_ERR_UNKNOWN_REGION', /unknown region/],
    ['dial above 100', { regions: [{ region: 'eu-central-1', trafficDial: 150 }] }, 'regions[0].trafficDial', 'INFRA_ERR_OUT_OF_RANGE', /must be 0\.\.100, got 150/],
    ['dial below 0', { defaults: { trafficDial: -1 } }, 'defaults.trafficDial', 'INFRA_ERR_OUT_OF_RANGE', /must be 0\.\.100, got -1/],
    ['fractional dial', { defaults: { trafficDial: 50.5 } }, 'defaults.trafficDial', 'INFRA_ERR_INVALID_FIELD', /integer/],
    ['weight above 255', { regions: [{ region: 'us-east-1', weight: 256 }] }, 'regions[0].weight', 'INFRA_ERR_OUT_OF_RANGE', /must be 0\.\.255, got 256/],
    ['negative weight in a list', { regions: [{ region: 'us-east-1', weight: [1, -5] }] }, 'regions[0].weight[1]', 'INFRA_ERR_OUT_OF_RANGE', /0\.\.255/],
    ['weights not matching the instances', { regions: [{ region: 'us-east-1', instanceCount: 3, weight: [1, 2] }] }, 'regions[0].weight', 'INFRA_ERR_INVALID_FIELD', /2 weights for 3 instances/],
    ['more than 10 endpoints in a group', { regions: [{ region: 'us-east-1', instanceCount: 11 }] }, 'regions[0].instanceCount', 'INFRA_ERR_QUOTA', /at most 10/],
    ['zero instances', { defaults: { instanceCount: 0 } }, 'defaults.instanceCount', 'INFRA_ERR_OUT_OF_RANGE', /at least 1/],
    ['more than 10 listeners', { listeners: Array.from({ length: 11 }, (_, i) => ({ name: `l${i}`, protocol: 'TCP', port: 1000 + i, serves: 'dns' })) }, 'listeners', 'INFRA_ERR_QUOTA', /11 listeners; an accelerator allows at most 10/],
    ['more than 42 endpoint groups', { regions: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1'] }, 'regions', 'INFRA_ERR_QUOTA', /15 regions x 3 listeners = 45 endpoint groups; an accelerator allows at most 42/],
    ['UDP health check', { defaults: { healthCheck: { protocol: 'UDP' } } }, 'defaults.healthCheck.protocol', 'INFRA_ERR_UDP_HEALTH_CHECK', /no UDP health check/],
    ['UDP health check in a region', { regions: [{ region: 'us-east-1', healthCheck: { protocol: 'UDP', port: 53 } }] }, 'regions[0].healthCheck.protocol', 'INFRA_ERR_UDP_HEALTH_CHECK', /no UDP health check/],
    ['HTTPS health check (the origin serves HTTP)', { defaults: { healthCheck: { protocol: 'HTTPS' } } }, 'defaults.healthCheck.protocol', 'INFRA_ERR_INVALID_FIELD', /one of HTTP, TCP/],
    ['health-check interval not 10 or 30', { defaults: { healthCheck: { intervalSeconds: 20 } } }, 'defaults.healthCheck.intervalSeconds', 'INFRA_ERR_OUT_OF_RANGE', /10 or 30/],
    ['threshold above 10', { defaults: { healthCheck: { thresholdCount: 11 } } }, 'defaults.healthCheck.thresholdCount', 'INFRA_ERR_OUT_OF_RANGE', /1\.\.10, got 11/],
    ['threshold 0', { regions: [{ region: 'us-east-1', healthCheck: { thresholdCount: 0 } }] }, 'regions[0].healthCheck.thresholdCount', 'INFRA_ERR_OUT_OF_RANGE', /1\.\.10, got 0/],
    ['health-check path without /', { defaults: { healthCheck: { path: 'healthz' } } }, 'defaults.healthCheck.path', 'INFRA_ERR_INVALID_FIELD', /start with \//],
    ['health-check port not a TCP listener', { regions: [{ region: 'us-east-1', healthCheck: { port: 8080 } }] }, 'regions[0].healthCheck.port', 'INFRA_ERR_HEALTH_CHECK_PORT', /8080 is not the port of a TCP listener \(80, 53\)/],
    ['DUAL_STACK without IPv6 in the VPCs', { ipAddressType: 'DUAL_STACK' }, 'regions[0].ipv6', 'INFRA_ERR_DUAL_STACK_NEEDS_IPV6', /DUAL_STACK needs IPv6 in every VPC/],
    ['DUAL_STACK with one region left on IPv4', { ipAddressType: 'DUAL_STACK', defaults: { ipv6: true }, regions: ['us-east-1', { region: 'us-west-2', ipv6: false }] }, 'regions[1].ipv6', 'INFRA_ERR_DUAL_STACK_NEEDS_IPV6', /DUAL_STACK/],
    ['unknown ip address type', { ipAddressType: 'IPV6' }, 'ipAddressType', 'INFRA_ERR_INVALID_FIELD', /one of IPV4, DUAL_STACK/],
    ['three BYOIP addresses', { ipAddresses: ['198.51.100.1', '198.51.100.2', '198.51.100.3'] }, 'ipAddresses', 'INFRA_ERR_OUT_OF_RANGE', /at most 2/],
    ['a BYOIP address that is not IPv4', { ipAddresses: ['2001:db8::1'] }, 'ipAddresses[0]', 'INFRA_ERR_INVALID_FIELD', /IPv4 address/],
    ['the same BYOIP address twice', { ipAddresses: ['198.51.100.1', '198.51.100.1'] }, 'ipAddresses', 'INFRA_ERR_DUPLICATE', /twice/],
    ['flow logs without a bucket', { flowLogs: { s3Prefix: 'x/' } }, 'flowLogs.s3Bucket', 'INFRA_ERR_INVALID_FIELD', /is required/],
    ['flow logs to a bad bucket name', { flowLogs: { s3Bucket: 'My_Bucket' } }, 'flowLogs.s3Bucket', 'INFRA_ERR_INVALID_FIELD', /S3 bucket name/],
    ['unknown client affinity', { clientAffinity: 'STICKY' }, 'clientAffinity', 'INFRA_ERR_INVALID_FIELD', /NONE, SOURCE_IP/],
    ['listener on UDP for http', { listeners: [{ name: 'web', protocol: 'UDP', port: 80, serves: 'http' }] }, 'listeners[0].protocol', 'INFRA_ERR_INVALID_FIELD', /must be TCP/],
    ['listener on port 22', { listeners: [{ name: 'ssh', protocol: 'TCP', port: 22, serves: 'dns' }] }, 'listeners[0].port', 'INFRA_ERR_INVALID_FIELD', /SSH\/RDP/],
    ['listener port 70000', { listeners: [{ name: 'x', protocol: 'TCP', port: 70000, serves: 'dns' }] }, 'listeners[0].port', 'INFRA_ERR_OUT_OF_RANGE', /1\.\.65535/],
    ['listener without protocol', { listeners: [{ name: 'x', port: 80, serves: 'http' }] }, 'listeners[0].protocol', 'INFRA_ERR_INVALID_FIELD', /is required/],
    ['two listeners on one protocol and port', { listeners: [{ name: 'a', protocol: 'TCP', port: 80, serves: 'http' }, { name: 'b', protocol: 'TCP', port: 80, serves: 'dns' }] }, 'listeners[1]', 'INFRA_ERR_DUPLICATE', /TCP 80 is already listeners\[0\]/],
    ['two listeners with one name', { listeners: [{ name: 'a', protocol: 'TCP', port: 80, serves: 'http' }, { name: 'a', protocol: 'UDP', port: 53, serves: 'dns' }] }, 'listeners[1].name', 'INFRA_ERR_DUPLICATE', /already the name/],
    ['no listeners', { listeners: [] }, 'listeners', 'INFRA_ERR_INVALID_FIELD', /at least one/],
    ['no regions', { regions: [] }, 'regions', 'INFRA_ERR_INVALID_FIELD', /at least one/],
    ['a region twice', { regions: ['us-east-1', 'us-east-1'] }, 'regions[1].region', 'INFRA_ERR_DUPLICATE', /one endpoint group per region per listener/],
    ['a misspelt field', { regions: [{ region: 'us-east-1', trafficdial: 50 }] }, 'regions[0].trafficdial', 'INFRA_ERR_UNKNOWN_FIELD', /unknown field; known: .*trafficDial/],
    ['a misspelt top-level field', { acceleratorname: 'x' }, 'acceleratorname', 'INFRA_ERR_UNKNOWN_FIELD', /unknown field/],
    ['an accelerator name with capitals', { acceleratorName: 'Anycast' }, 'acceleratorName', 'INFRA_ERR_INVALID_FIELD', /lowercase/],
    ['a bad instance type', { defaults: { instanceType: 'large' } }, 'defaults.instanceType', 'INFRA_ERR_INVALID_FIELD', /like t3\.micro/],
    ['a VPC CIDR too large', { defaults: { vpcCidr: '10.0.0.0/8' } }, 'defaults.vpcCidr', 'INFRA_ERR_INVALID_FIELD', /\/16 to \/24/],
    ['a VPC CIDR with host bits', { regions: [{ region: 'us-east-1', vpcCidr: '10.0.0.1/16' }] }, 'regions[0].vpcCidr', 'INFRA_ERR_INVALID_FIELD', /host bits/],
    ['one availability zone', { regions: [{ region: 'us-east-1', availabilityZones: ['us-east-1a'] }] }, 'regions[0].availabilityZones', 'INFRA_ERR_INVALID_FIELD', /exactly two/],
    ['a zone of another region', { regions: [{ region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-west-2b'] }] }, 'regions[0].availabilityZones[1]', 'INFRA_ERR_INVALID_FIELD', /not a zone of us-east-1/],
    ['the same zone twice', { regions: [{ region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1a'] }] }, 'regions[0].availabilityZones', 'INFRA_ERR_DUPLICATE', /same zone twice/],
    ['ipv6 not a boolean', { defaults: { ipv6: 'yes' } }, 'defaults.ipv6', 'INFRA_ERR_INVALID_FIELD', /true or false/],
    ['a tag value that is not a string', { tags: { team: 7 } }, 'tags.team', 'INFRA_ERR_INVALID_FIELD', /string/],
    ['an aws: tag', { tags: { 'aws:x': 'y' } }, 'tags.aws:x', 'INFRA_ERR_INVALID_FIELD', /aws:/],
    ['regions not an array', { regions: 'us-east-1' }, 'regions', 'INFRA_ERR_INVALID_FIELD', /must be an array/],
    ['a config that is not an object', [] as unknown as Record<string, unknown>, 'config', 'INFRA_ERR_INVALID_FIELD', /must be an object/],
  ];
  for (const [what, raw, field, code, message] of cases) {
    t.test(`GIVEN ${what} WHEN parsed THEN ${code} names ${field}`, async (t) => {
      const err = (() => {
        try {
          parseConfig(raw);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      t.ok(err instanceof ConfigFieldError, 'a ConfigFieldError');
      t.match(err, { field, code, message });
      t.ok((err as Error).message.startsWith(`${field}: `), 'the message starts with the field');
    });
  }
});

t.test('loadConfig', async (t) => {
  const dir = t.testdir({
    'good.json': JSON.stringify({ regions: ['us-east-1'], artifactPath: 'artifact/x.tar.gz' }),
    'bad.json': '{ "regions": [ }',
    'wrong.json': JSON.stringify({ regions: [{ region: 'eu-central-1', trafficDial: 101 }] }),
  });
  t.test('GIVEN a config file with a relative artifactPath THEN it resolves against the file', async (t) => {
    t.equal(loadConfig(join(dir, 'good.json')).artifactPath, join(dir, 'artifact/x.tar.gz'));
  });
  t.test('GIVEN a missing file THEN INFRA_ERR_CONFIG_FILE names it', async (t) => {
    t.throws(() => loadConfig(join(dir, 'nope.json')), { code: 'INFRA_ERR_CONFIG_FILE', message: /config file .*nope\.json: cannot read it/ });
  });
  t.test('GIVEN a file that is not JSON THEN INFRA_ERR_CONFIG_FILE says so', async (t) => {
    t.throws(() => loadConfig(join(dir, 'bad.json')), ConfigFileError);
    t.throws(() => loadConfig(join(dir, 'bad.json')), { message: /not valid JSON/ });
  });
  t.test('GIVEN an invalid field in a file THEN the field error comes through', async (t) => {
    t.throws(() => loadConfig(join(dir, 'wrong.json')), { field: 'regions[0].trafficDial', code: 'INFRA_ERR_OUT_OF_RANGE' });
  });
  writeFileSync(join(dir, 'null.json'), 'null');
  t.test('GIVEN a file holding null THEN the whole config is named', async (t) => {
    t.throws(() => loadConfig(join(dir, 'null.json')), { name: 'ConfigFieldError', field: 'config' });
  });
});

t.test('subnetCidr: the nth 1/16th of the VPC CIDR', async (t) => {
  t.equal(subnetCidr('10.0.0.0/16', 0), '10.0.0.0/20');
  t.equal(subnetCidr('10.0.0.0/16', 1), '10.0.16.0/20');
  t.equal(subnetCidr('192.168.4.0/24', 1), '192.168.4.16/28');
  t.equal(subnetCidr('172.31.0.0/20', 15), '172.31.15.0/24');
});
