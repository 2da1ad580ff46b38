import t from 'tap';
import { ConfigError, ConfigFieldError, ConfigFileError } from '../src/index.js';

t.test('one base class, codes, the field first in the message', async (t) => {
  const f = new ConfigFieldError('regions[0].trafficDial', 'must be a number 0..100 (percent), got 150', 'CONFIG_ERR_OUT_OF_RANGE');
  t.ok(f instanceof ConfigError);
  t.match(f, { name: 'ConfigFieldError', field: 'regions[0].trafficDial', code: 'CONFIG_ERR_OUT_OF_RANGE', message: 'regions[0].trafficDial must be a number 0..100 (percent), got 150' });
  t.equal(new ConfigFieldError('x', 'y').code, 'CONFIG_ERR_INVALID_FIELD');
  const cause = new Error('ENOENT');
  t.match(new ConfigFileError('/a.json', 'cannot read it', { cause }), { code: 'CONFIG_ERR_FILE', file: '/a.json', cause });
});
