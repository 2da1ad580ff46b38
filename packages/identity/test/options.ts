import t from 'tap';
import { readFileSync } from 'node:fs';
import { optionsTable, tableIn } from '@anycast-origin/options';
import { ENV_NAMES, FIELD_NAMES, OPTIONS, regionFromAvailabilityZone, validateField } from '../src/index.js';

t.test('regions and zones, including Local and Wavelength Zones', async (t) => {
  for (const r of ['us-east-1', 'eu-central-1', 'ap-southeast-1', 'us-gov-west-1', 'il-central-1']) t.equal(validateField('region', r), r);
  for (const r of ['US-EAST-1', 'us-east', 'useast1', 'us-east-1a', '']) {
    t.throws(() => validateField('region', r), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'region', message: `region must be an AWS region name like us-west-2, got ${JSON.stringify(r)}` }, r);
  }
  for (const [z, r] of [['us-west-2c', 'us-west-2'], ['eu-central-1a', 'eu-central-1'], ['us-west-2-lax-1a', 'us-west-2'], ['us-east-1-wl1-bos-wlz-1', 'us-east-1']]) {
    t.equal(validateField('availabilityZone', z), z);
    t.equal(regionFromAvailabilityZone(z as string), r);
  }
  for (const z of ['us-west-2', 'us-west-2C', 'x', 'us-west-2c\n']) t.throws(() => validateField('availabilityZone', z), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'availabilityZone' }, z);
  t.throws(() => regionFromAvailabilityZone('nope'), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'availabilityZone' });
});

t.test('instance IDs, IPs, hostnames', async (t) => {
  t.equal(validateField('instanceId', 'i-0e32d5b1a3f76cc05'), 'i-0e32d5b1a3f76cc05');
  t.equal(validateField('instanceId', 'i-12345678'), 'i-12345678');
  for (const v of ['i-0E32D5B1A3F76CC05', 'i-123', 'x-0e32d5b1a3f76cc05']) {
    t.throws(() => validateField('instanceId', v), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'instanceId', message: /^instanceId must be an EC2 instance ID like i-0e32d5b1a3f76cc05, got / });
  }
  t.equal(validateField('privateIpv4', '10.0.0.1'), '10.0.0.1');
  t.throws(() => validateField('publicIpv4', '::1'), { field: 'publicIpv4', message: 'publicIpv4 must be an IPv4 address, got "::1"' });
  t.throws(() => validateField('ipv6', '10.0.0.1'), { field: 'ipv6', message: 'ipv6 must be an IPv6 address, got "10.0.0.1"' });
  t.equal(validateField('hostname', 'ip-10-1-2-3.us-west-2.compute.internal'), 'ip-10-1-2-3.us-west-2.compute.internal');
  t.equal(validateField('hostname', 'host_name'), 'host_name');
  for (const h of ['', '-a', 'a..b', 'a'.repeat(64), 'a b', `${'a.'.repeat(127)}ab`]) t.throws(() => validateField('hostname', h), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'hostname' }, h);
});

t.test('id: 1..255 UTF-8 bytes, no control characters, strings only; the label is what the user wrote', async (t) => {
  t.equal(validateField('id', 'a'.repeat(255)), 'a'.repeat(255));
  t.equal(validateField('id', '€'.repeat(85)), '€'.repeat(85), '255 bytes of UTF-8');
  const expects = 'a string of 1..255 bytes without control characters (one DNS TXT string)';
  t.throws(() => validateField('id', 'a'.repeat(256)), { message: new RegExp(`^id must be ${expects.replace(/[().]/g, '\\$&')}, got "a{40}\\.\\.\\."$`) });
  t.throws(() => validateField('id', '€'.repeat(86)), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'id' }, '258 bytes');
  t.throws(() => validateField('id', ''), { message: `id must be ${expects}, got ""` });
  for (const c of ['\u0000', '\t', '\u007f', '\u0085']) t.throws(() => validateField('id', `a${c}b`), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'id' }, JSON.stringify(c));
  t.throws(() => validateField('id', 42), { message: `id must be ${expects}, got 42` });
  t.throws(() => validateField('id', 'x'.repeat(300), 'ORIGIN_ID'), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'ORIGIN_ID', message: /^ORIGIN_ID must be / });
});

t.test('one name rule for the environment: ORIGIN_ + the field in SNAKE_CASE', async (t) => {
  t.same(ENV_NAMES, {
    id: 'ORIGIN_ID', hostname: 'ORIGIN_HOSTNAME', instanceId: 'ORIGIN_INSTANCE_ID', availabilityZone: 'ORIGIN_AVAILABILITY_ZONE',
    region: 'ORIGIN_REGION', privateIpv4: 'ORIGIN_PRIVATE_IPV4', publicIpv4: 'ORIGIN_PUBLIC_IPV4', ipv6: 'ORIGIN_IPV6',
  });
  t.same([...FIELD_NAMES], Object.keys(ENV_NAMES));
});

t.test('the README option table is the one the option descriptions make', async (t) => {
  t.equal(tableIn(readFileSync(new URL('../README.md', import.meta.url), 'utf8')), optionsTable(OPTIONS));
});
