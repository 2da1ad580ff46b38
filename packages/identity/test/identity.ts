import t from 'tap';
import { createIdentity, fieldSources } from '../src/index.js';

t.test('id derivation: seed form on EC2, hostname elsewhere', async (t) => {
  t.equal(createIdentity({ hostname: 'h', instanceId: 'i-0e32d5b1a3f76cc05', availabilityZone: 'us-west-2c' }).id, 'i-0e32d5b1a3f76cc05.us-west-2c');
  t.equal(createIdentity({ hostname: 'h', instanceId: 'i-0e32d5b1a3f76cc05' }).id, 'h', 'no zone: hostname');
  t.equal(createIdentity({ hostname: 'h', id: 'custom' }).id, 'custom');
});

t.test('frozen, hostname required, single or per-field source', async (t) => {
  const id = createIdentity({ hostname: 'h' }, { hostname: 'os' });
  t.ok(Object.isFrozen(id));
  t.equal(id.source, 'os');
  t.same(fieldSources(id), { id: 'os', hostname: 'os' });
  t.throws(() => createIdentity({}), { field: 'hostname', message: /is required/ });
  const mixed = createIdentity({ hostname: 'h', region: 'us-east-1' }, { hostname: 'os', region: 'env' });
  t.same(mixed.source, { hostname: 'os', region: 'env', id: 'derived' });
  t.same(fieldSources(mixed), mixed.source);
  t.throws(() => { (id as { id: string }).id = 'x'; }, TypeError);
});
