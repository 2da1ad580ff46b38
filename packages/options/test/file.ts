import t from 'tap';
import { join } from 'node:path';
import { readJsonFile } from '../src/index.js';

t.test('a JSON object, or an error naming the file', async (t) => {
  const dir = t.testdir({ 'ok.json': '{"a":1}', 'bad.json': '{', 'list.json': '[]' });
  t.same(readJsonFile(join(dir, 'ok.json')), { a: 1 });
  t.throws(() => readJsonFile(join(dir, 'bad.json')), { code: 'OPTIONS_ERR_CONFIG_FILE', message: /bad\.json: not valid JSON/ });
  t.throws(() => readJsonFile(join(dir, 'list.json')), { message: /list\.json: must hold a JSON object/ });
  t.throws(() => readJsonFile(join(dir, 'none.json')), { message: /none\.json: cannot read it \(ENOENT\)/ });
});
