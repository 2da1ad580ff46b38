import t from 'tap';
import { regionFromAvailabilityZone } from '../src/index.js';
import { validateAvailabilityZone, validateHostname, validateId, validateInstanceId, validateIp, validateRegion } from '../src/validate.js';

t.test('regions and zones, including Local and Wavelength Zones', async (t) => {
  for (const r of ['us-east-1', 'eu-central-1', 'ap-southeast-1', 'us-gov-west-1', 'il-central-1']) t.equal(validateRegion(r), r);
  for (const r of ['US-EAST-1', 'us-east', 'useast1', 'us-east-1a', '']) t.throws(() => validateRegion(r), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'region' }, r);
  for (const [z, r] of [['us-west-2c', 'us-west-2'], ['eu-central-1a', 'eu-central-1'], ['us-west-2-lax-1a', 'us-west-2'], ['us-east-1-wl1-bos-wlz-1', 'us-east-1']]) {
    t.equal(validateAvailabilityZone(z as string), z);
    t.equal(regionFromAvailabilityZone(z as string), r);
  }
  for (const z of ['us-west-2', 'us-west-2C', 'x', 'us-west-2c\n']) t.throws(() => validateAvailabilityZone(z), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'availabilityZone' }, z);
  t.throws(() => regionFromAvailabilityZone('nope'), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'availabilityZone' });
});

t.test('instance IDs, IPs, hostnames', async (t) => {
  t.equal(validateInstanceId('i-0e32d5b1a3f76cc05'), 'i-0e32d5b1a3f76cc05');
  t.equal(validateInstanceId('i-12345678'), 'i-12345678');
  for (const v of ['i-0E32D5B1A3F76CC05', 'i-123', 'x-0e32d5b1a3f76cc05']) t.throws(() => validateInstanceId(v), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'instanceId' });
  t.equal(validateIp('10.0.0.1', 4, 'privateIpv4'), '10.0.0.1');
  t.throws(() => validateIp('::1', 4, 'publicIpv4'), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'publicIpv4' });
  t.throws(() => validateIp('10.0.0.1', 6, 'ipv6'), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'ipv6' });
  t.equal(validateHostname('ip-10-1-2-3.us-west-2.compute.internal'), 'ip-10-1-2-3.us-west-2.compute.internal');
  t.equal(validateHostname('host_name'), 'host_name');
  for (const h of ['', '-a', 'a..b', 'a'.repeat(64), 'a b', `${'a.'.repeat(127)}ab`]) t.throws(() => validateHostname(h), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'hostname' }, h);
});

t.test('id: 1..255 UTF-8 bytes, no control characters, strings only', async (t) => {
  t.equal(validateId('a'.repeat(255)), 'a'.repeat(255));
  t.throws(() => validateId('a'.repeat(256)), /id: is 256 bytes; at most 255/);
  t.throws(() => validateId(''), /must not be empty/);
  for (const c of ['\u0000', '\t', '\u007f', '\u0085']) t.throws(() => validateId(`a${c}b`), /control characters/);
  t.throws(() => validateId(42), /must be a string, got number/);
  t.throws(() => validateId('x'.repeat(300), 'ORIGIN_ID'), { code: 'IDENTITY_ERR_INVALID_FIELD', field: 'ORIGIN_ID' });
});
