import t from 'tap';
import type { Test } from 'tap';
import type { NetworkInterfaceInfo } from 'node:os';
import { isEc2Host, osFields, resolveIdentity, ENV_NAMES } from '../src/index.js';
import { startFakeImds } from './fixtures/fake-imds.js';

// GIVEN an OS view that is injectable, so results do not depend on the test machine.
const fakeOs = {
  hostname: () => 'origin-7',
  networkInterfaces: (): NodeJS.Dict<NetworkInterfaceInfo[]> => ({
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [
      { address: '10.0.0.5', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '10.0.0.5/24' },
      { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
      { address: '2001:db8::5', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: '2001:db8::5/64', scopeid: 0 },
    ],
    eth1: [{ address: '198.51.100.9', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:02', internal: false, cidr: '198.51.100.9/24' }],
  }),
};

function dmi(t: Test, vendor: string, tag = '') {
  return t.testdir({ sys_vendor: vendor + '\n', board_asset_tag: tag + '\n' });
}

t.test('off EC2 the OS wins: id is the hostname', async (t) => {
  const id = await resolveIdentity({ env: {}, os: fakeOs, dmiPath: dmi(t, 'QEMU') });
  t.same({ ...id }, { id: 'origin-7', hostname: 'origin-7', privateIpv4: '10.0.0.5', publicIpv4: '198.51.100.9', ipv6: '2001:db8::5', source: 'os' });
  t.ok(Object.isFrozen(id), 'identity is frozen');
});

t.test('osFields skips loopback, link-local and scoped IPv6', async (t) => {
  t.same(osFields(fakeOs), { hostname: 'origin-7', privateIpv4: '10.0.0.5', publicIpv4: '198.51.100.9', ipv6: '2001:db8::5' });
  t.equal((osFields().hostname ?? '').length > 0, true, 'the real OS has a hostname');
});

t.test('auto mode off EC2 never contacts the metadata service', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  await resolveIdentity({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: fake.url }, os: fakeOs, dmiPath: dmi(t, 'QEMU') });
  await resolveIdentity({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: fake.url }, os: fakeOs, dmiPath: '/nonexistent-dmi' });
  t.equal(fake.requests.length, 0);
});

t.test('DMI detection: Nitro vendor or an instance-id asset tag (Xen)', async (t) => {
  t.equal(await isEc2Host(dmi(t, 'Amazon EC2')), true);
  t.equal(await isEc2Host(dmi(t, 'Xen', 'i-0e32d5b1a3f76cc05')), true);
  t.equal(await isEc2Host(dmi(t, 'Xen', 'ec2-not-an-id')), false);
  t.equal(await isEc2Host('/nonexistent'), false);
});

t.test('auto mode on EC2 reads instance metadata: the seed id', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  const id = await resolveIdentity({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: fake.url }, os: fakeOs, dmiPath: dmi(t, 'Amazon EC2') });
  t.same({ ...id }, {
    id: 'i-0e32d5b1a3f76cc05.us-west-2c',
    hostname: 'ip-10-1-2-3.us-west-2.compute.internal',
    instanceId: 'i-0e32d5b1a3f76cc05',
    availabilityZone: 'us-west-2c',
    region: 'us-west-2',
    privateIpv4: '10.1.2.3',
    publicIpv4: '203.0.113.7',
    ipv6: '2600:1f14:abc:de00::10',
    source: 'imds',
  });
  t.equal(fake.requests.filter((r) => r.method === 'PUT').length, 1, 'one token for all fields');
});

t.test('imds mode: absent public IPv4 (404) is fine; region derived when placement/region is absent', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  fake.paths.delete('public-ipv4');
  fake.paths.delete('ipv6');
  fake.paths.delete('placement/region');
  const id = await resolveIdentity({ source: 'imds', imds: { endpoint: fake.url }, env: {}, os: fakeOs, dmiPath: '/nonexistent' });
  t.equal(id.publicIpv4, '198.51.100.9', 'falls through to the OS for an address IMDS lacks');
  t.equal(id.region, 'us-west-2');
  t.match(id.source, { region: 'derived', instanceId: 'imds', publicIpv4: 'os' });
});

t.test('imds mode: failures are coded errors naming what failed', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  const opts = { source: 'imds' as const, imds: { endpoint: fake.url, timeoutMs: 100 }, env: {}, os: fakeOs };

  fake.paths.delete('instance-id');
  await t.rejects(resolveIdentity(opts), { code: 'IDENTITY_ERR_IMDS_INVALID_RESPONSE', path: '/latest/meta-data/instance-id', message: /404 for a required field/ });

  fake.paths.set('instance-id', { kind: 'value', body: '<html>captive portal</html>' });
  await t.rejects(resolveIdentity(opts), { code: 'IDENTITY_ERR_IMDS_INVALID_RESPONSE', message: /instance-id: invalid answer/ });

  fake.paths.set('instance-id', { kind: 'value', body: 'i-0e32d5b1a3f76cc05' });
  fake.paths.set('placement/availability-zone', { kind: 'value', body: '\u0000\u0001garbage' });
  await t.rejects(resolveIdentity(opts), { code: 'IDENTITY_ERR_IMDS_INVALID_RESPONSE', path: '/latest/meta-data/placement/availability-zone' });

  fake.paths.set('placement/availability-zone', { kind: 'hang' });
  const start = Date.now();
  await t.rejects(resolveIdentity(opts), { code: 'IDENTITY_ERR_IMDS_TIMEOUT' });
  t.ok(Date.now() - start < 2000, 'does not hang');

  fake.token = { kind: 'status', status: 403 };
  await t.rejects(resolveIdentity(opts), { code: 'IDENTITY_ERR_IMDS_UNAUTHORIZED' });
});

t.test('precedence: options > env > imds > os, recorded per field', async (t) => {
  const fake = await startFakeImds();
  t.teardown(fake.close);
  const id = await resolveIdentity({
    source: 'imds',
    id: 'edge-a',
    env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: fake.url, ORIGIN_AVAILABILITY_ZONE: 'us-west-2a', ORIGIN_HOSTNAME: 'env-host', ORIGIN_ID: 'ignored' },
    os: fakeOs,
  });
  t.equal(id.id, 'edge-a');
  t.equal(id.hostname, 'env-host');
  t.equal(id.availabilityZone, 'us-west-2a');
  t.equal(id.region, 'us-west-2', 'region follows the winning zone, not IMDS placement/region');
  t.equal(id.instanceId, 'i-0e32d5b1a3f76cc05');
  t.same(id.source, { id: 'options', hostname: 'env', instanceId: 'imds', availabilityZone: 'env', region: 'derived', privateIpv4: 'imds', publicIpv4: 'imds', ipv6: 'imds' });
});

t.test('env source: ORIGIN_* variables; empty values are unset; os mode ignores env', async (t) => {
  const env = { [ENV_NAMES.id]: '', ORIGIN_INSTANCE_ID: 'i-0123456789abcdef0', ORIGIN_AVAILABILITY_ZONE: 'eu-central-1b', ORIGIN_REGION: 'eu-central-1' };
  const id = await resolveIdentity({ source: 'env', env, os: fakeOs });
  t.equal(id.id, 'i-0123456789abcdef0.eu-central-1b');
  t.equal(id.region, 'eu-central-1');
  t.match(id.source, { instanceId: 'env', hostname: 'os', id: 'derived' });
  const os = await resolveIdentity({ source: 'os', env, os: fakeOs });
  t.equal(os.id, 'origin-7');
});

t.test('region alone (no zone) is kept; a region that contradicts the zone is an error', async (t) => {
  const id = await resolveIdentity({ source: 'os', region: 'ap-southeast-1', os: fakeOs });
  t.equal(id.region, 'ap-southeast-1');
  t.equal(id.availabilityZone, undefined);
  await t.rejects(resolveIdentity({ source: 'os', region: 'us-east-1', availabilityZone: 'us-west-2c', os: fakeOs }), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'region' });
});

t.test('validation names the field or variable', async (t) => {
  await t.rejects(resolveIdentity({ source: 'os', id: 'x'.repeat(256), os: fakeOs }), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'id', message: /^id must be a string of 1\.\.255 bytes without control characters/ });
  await t.rejects(resolveIdentity({ source: 'os', id: 'a\nb', os: fakeOs }), { field: 'id', message: /without control characters.*, got "a\\nb"$/ });
  await t.rejects(resolveIdentity({ source: 'env', env: { ORIGIN_REGION: 'mars-1' }, os: fakeOs }), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'ORIGIN_REGION', message: 'ORIGIN_REGION must be an AWS region name like us-west-2, got "mars-1"' });
  await t.rejects(resolveIdentity({ source: 'os', availabilityZone: 'us-west-2', os: fakeOs }), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'availabilityZone' });
  await t.rejects(resolveIdentity({ source: 'os', instanceId: 'i-xyz', os: fakeOs }), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'instanceId' });
  await t.rejects(resolveIdentity({ source: 'os', os: { ...fakeOs, hostname: () => 'bad host!' } }), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'hostname' });
  await t.rejects(resolveIdentity({ source: 'nope' as never }), { code: 'IDENTITY_ERR_INVALID_OPTION', option: 'source', message: "source must be one of 'auto', 'imds', 'env', 'os', got \"nope\"" });
  await t.rejects(resolveIdentity({ bogus: 1 } as never), { code: 'IDENTITY_ERR_INVALID_OPTION', option: 'bogus', message: /^bogus is not a known option \(known: id, hostname, / });
  await t.rejects(resolveIdentity({ imds: { timeoutMs: 0 } }), { code: 'IDENTITY_ERR_INVALID_OPTION', option: 'imds.timeoutMs', message: 'imds.timeoutMs must be an integer 1..60000 (ms), got 0' });
  // A multi-byte id: 85 x 3-byte characters = 255 bytes is fine, one more is not.
  const ok = await resolveIdentity({ source: 'os', id: '€'.repeat(85), os: fakeOs });
  t.equal(Buffer.byteLength(ok.id), 255);
  await t.rejects(resolveIdentity({ source: 'os', id: '€'.repeat(86), os: fakeOs }), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'id' });
});

t.test('ORIGIN_ID and the other variables are read, beat the OS and lose to options', async (t) => {
  const env = { ORIGIN_ID: 'edge-fra-1', ORIGIN_AVAILABILITY_ZONE: 'eu-central-1a' };
  const fromEnv = await resolveIdentity({ source: 'env', env, os: fakeOs });
  t.equal(fromEnv.id, 'edge-fra-1', 'ORIGIN_ID is the id');
  t.equal(fromEnv.availabilityZone, 'eu-central-1a');
  t.equal(fromEnv.region, 'eu-central-1');
  t.match(fromEnv.source, { id: 'env', availabilityZone: 'env', region: 'derived' });
  t.equal((await resolveIdentity({ source: 'env', env, id: 'opt', os: fakeOs })).id, 'opt', 'options beat the environment');
  t.not((await resolveIdentity({ source: 'os', env, os: fakeOs })).id, 'edge-fra-1', 'source os: the environment is not read');
});
