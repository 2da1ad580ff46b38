import t from 'tap';
import { z } from 'zod';
import { metaOf, o, parseOptions } from '../src/index.js';
import type { OptionsInput, OptionsOutput } from '../src/index.js';
import { fail, LIB } from './fixtures/schema.js';

t.test('builders record what the option is', async (t) => {
  const port = o.integer({ min: 0, max: 10, default: 3, unit: 's', doc: 'a port' });
  t.match(metaOf(port), { kind: 'integer', min: 0, max: 10, default: 3, unit: 's', doc: 'a port', required: false, cli: true, expects: 'an integer 0..10 (s)' });
  t.match(metaOf(o.number({ min: 0.5, max: 2, doc: 'x' })), { kind: 'number', expects: 'a number 0.5..2', required: false });
  t.match(metaOf(o.enum(['a', 'b'], { default: 'a', doc: 'x' })), { kind: 'enum', choices: ['a', 'b'], expects: "one of 'a', 'b'" });
  t.match(metaOf(o.ip({ family: 6, required: true, doc: 'x' })), { kind: 'string', expects: 'an IPv6 address', required: true });
  t.match(metaOf(o.string({ maxBytes: 5, doc: 'x' })), { expects: 'a string of 1..5 bytes' });
  t.match(metaOf(o.custom(z.string(), { expects: 'a thing', doc: 'x' })), { kind: 'custom', cli: false });
  t.match(metaOf(o.list(o.ip({ family: 4, required: true, doc: 'x' }), { max: 4, doc: 'x' })), { kind: 'list', expects: 'a list of at most 4 items, each an IPv4 address' });
  const g = metaOf(LIB);
  t.same(Object.keys(g?.children ?? {}), ['identity', 'host', 'port', 'backend', 'drainSeconds', 'hideIdentity', 'metrics', 'version', 'workers', 'zone', 'rrl']);
  t.match(metaOf(g?.children?.rrl as z.ZodType), { kind: 'group', off: true, expects: 'false or an object' });
  t.match(metaOf(g?.children?.zone as z.ZodType), { kind: 'group', optional: true });
  t.equal(metaOf(z.string()), undefined, 'a plain zod schema has no description');
});

t.test('url: a scheme of the allowed ones and a host; the message says which', async (t) => {
  const schema = o.group({ api: o.url({ doc: 'x' }), imds: o.url({ protocols: ['http'], doc: 'x' }) }, { doc: 'x' });
  t.match(metaOf(o.url({ doc: 'x' })), { kind: 'string', expects: 'an http:// or https:// URL' });
  t.same(parseOptions(schema, { api: 'https://127.0.0.1:4000/', imds: 'http://127.0.0.1:9' }, fail), { api: 'https://127.0.0.1:4000/', imds: 'http://127.0.0.1:9' });
  for (const [input, message] of [
    [{ api: 'ftp://x' }, /^api must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x"$/],
    [{ api: 'http://' }, /^api must be an http:\/\/ or https:\/\/ URL/],
    [{ api: 'not a url' }, /^api must be/],
    [{ imds: 'https://127.0.0.1' }, /^imds must be an http:\/\/ URL, got "https:\/\/127\.0\.0\.1"$/],
  ] as const) t.throws(() => parseOptions(schema, input, fail), message);
});

t.test('defaults fill in; groups take every default; optional groups stay absent', async (t) => {
  const out = parseOptions(LIB, { identity: { id: 'x' } }, fail);
  t.same(out, { identity: { id: 'x' }, host: '127.0.0.1', port: 8053, backend: 'auto', drainSeconds: 90, hideIdentity: false, metrics: true, version: 'v1', rrl: { rate: 200, slip: 2 } });
  t.equal(out.workers, undefined, 'computed defaults are the library\'s to fill');
  t.equal(out.zone, undefined);
  t.same(parseOptions(LIB, { identity: { id: 'x' }, rrl: false }, fail).rrl, false, 'an off-able group switched off');
  t.same(parseOptions(LIB, { identity: { id: 'x' }, rrl: { slip: 0 } }, fail).rrl, { rate: 200, slip: 0 });
  t.same(parseOptions(LIB, { identity: { id: 'x' }, zone: { name: 'a.b' } }, fail).zone, { name: 'a.b', a: [] });
});

t.test('types are inferred from the description', async (t) => {
  type In = OptionsInput<typeof LIB>;
  type Out = OptionsOutput<typeof LIB>;
  const input: In = { identity: { id: 'a' }, port: 1, rrl: false };
  const out: Out = parseOptions(LIB, input, fail);
  const port: number = out.port; // a default: always a number
  const workers: number | undefined = out.workers; // no constant default: may be undefined
  const rrl: false | { rate: number; slip: number } = out.rrl;
  // @ts-expect-error identity is required in input
  const missing: In = { port: 1 };
  t.ok(missing);
  t.same([port, workers, rrl], [1, undefined, false]);
});
