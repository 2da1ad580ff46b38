import t from 'tap';
import { createIdentity, identityJson, identityText, identityTxt } from '../src/index.js';

t.test('identityText is the seed web server line, byte for byte', async (t) => {
  const id = createIdentity({ hostname: 'ip-10-0-0-1', instanceId: 'i-0e32d5b1a3f76cc05', availabilityZone: 'us-west-2c' });
  t.equal(identityText(id).toString('latin1'), 'hostname: i-0e32d5b1a3f76cc05.us-west-2c\n');
  t.same(identityTxt(id), Buffer.from('i-0e32d5b1a3f76cc05.us-west-2c'));
  t.equal(id.region, 'us-west-2');
  t.match(identityJson(id), { id: 'i-0e32d5b1a3f76cc05.us-west-2c', region: 'us-west-2', source: { region: 'options', id: 'options', instanceId: 'options' } });
});
