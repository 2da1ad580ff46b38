import t from 'tap';
import { createIdentity } from '@anycast-origin/identity';
import { createDnsOrigin } from '@anycast-origin/dns-origin';
import { MetricsFormatError } from '../../src/errors.js';
import { parsePrometheusText, seriesKey } from '../../src/autopilot/prometheus-text.js';

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

t.test('samples, labels with escapes, types, comments, blank lines, timestamps and special values', async (t) => {
  const page = [
    '# HELP anycast_http_origin_info Who is answering.',
    '# TYPE anycast_http_origin_info gauge',
    'anycast_http_origin_info{id="i-1.eu-central-1a",region="eu-central-1",version="1.0"} 1',
    '# a comment that is neither HELP nor TYPE',
    '',
    '# TYPE x_total counter',
    'x_total{a="q\\"uo\\\\te\\nnl",b="}{,=" , } 12.5e3 1700000000000',
    'x_total{} 7',
    'z 8',
    'y NaN',
    'y{s="+"} +Inf',
    'y{s="-"} -Inf',
    'y{s="."} .5',
    'y{s="t"}\t3\t-12',
    'ns:colon_name 1',
  ].join('\n');
  const { samples, types } = parsePrometheusText(page);
  t.same(types, new Map([['anycast_http_origin_info', 'gauge'], ['x_total', 'counter']]));
  t.same(samples.map((s) => s.name), ['anycast_http_origin_info', 'x_total', 'x_total', 'z', 'y', 'y', 'y', 'y', 'y', 'ns:colon_name']);
  t.same({ ...samples[0]!.labels }, { id: 'i-1.eu-central-1a', region: 'eu-central-1', version: '1.0' });
  t.same({ ...samples[1]!.labels }, { a: 'q"uo\\te\nnl', b: '}{,=' });
  t.equal(samples[1]!.value, 12500);
  t.equal(samples[1]!.timestampMs, 1_700_000_000_000);
  t.same({ ...samples[2]!.labels }, {});
  t.ok(Number.isNaN(samples[4]!.value));
  t.same(samples.slice(5, 9).map((s) => s.value), [Infinity, -Infinity, 0.5, 3]);
  t.equal(samples[8]!.timestampMs, -12);
  t.equal(samples[2]!.timestampMs, undefined);
});

t.test('the DNS origin\'s real page parses, every sample of it', async (t) => {
  const identity = createIdentity({ hostname: 'h', instanceId: 'i-0123456789abcdef0', availabilityZone: 'eu-central-1a' });
  const origin = createDnsOrigin({ identity, host: '127.0.0.1', port: 0, drainSeconds: 0, rrl: false });
  t.teardown(() => origin.close());
  const text = await origin.metrics();
  const { samples } = parsePrometheusText(text);
  t.equal(samples.length, text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length);
  t.ok(samples.some((s) => s.name === 'anycast_dns_origin_queries_total' && s.labels.transport === 'udp'));
});

t.test('what is not the format is refused with the line and the reason', async (t) => {
  const bad: [string, RegExp][] = [
    ['<html><body>502 Bad Gateway</body></html>', /line 1: expected a metric name/],
    ['ok 1\nhello world how are you', /line 2: expected a value and an optional timestamp/],
    ['x{a="b"} notanumber', /bad value "notanumber"/],
    ['x{a="b" 1', /expected ',' or '}' after label a/],
    ['x{a="b} 1', /unterminated value of label a/],
    ['x{a=b} 1', /expected '"' to open the value of label a/],
    ['x{a "b"} 1', /expected '=' after label a/],
    ['x{1a="b"} 1', /expected a label name or '}'/],
    ['x{a="\\t"} 1', /bad escape \\t/],
    ['x{a="b",a="c"} 1', /label a twice/],
    ['x{a="1"} 1\nx{a="1"} 2', /line 2: series x\{"a":"1"\} twice/],
    ['x 1\nx 2', /series x\{\} twice/],
    ['x{a="1"}1', /expected a blank before the value/],
    ['x', /expected a blank before the value/],
    ['x 1 1.5', /bad timestamp "1.5"/],
    ['x 1 2 3', /expected a value and an optional timestamp/],
    ['# TYPE x counter\n# TYPE x gauge', /line 2: second # TYPE for x/],
    ['# TYPE x countr', /unknown type "countr"/],
    ['# HELP x a\n# HELP x b', /second # HELP for x/],
    ['x 1\n# TYPE x counter', /# TYPE for x after its samples/],
    ['# TYPE 9x counter', /bad metric name "9x"/],
    ['x 0x10', /bad value "0x10"/],
    [`${'a'.repeat(60)} junk`, /bad value "junk"/],
  ];
  for (const [text, re] of bad) {
    const err = catching(() => parsePrometheusText(text));
    t.ok(err instanceof MetricsFormatError && err.code === 'GACTL_ERR_METRICS_FORMAT', `${text}: a MetricsFormatError`);
    t.match((err as Error).message, re, text);
  }
  const long = parsePrometheusText.bind(null, `${'b'.repeat(80)}{`);
  t.throws(long, /expected a label name or '}'/);
});

t.test('an empty page is no samples; a series key ignores label order', async (t) => {
  t.same(parsePrometheusText('').samples, []);
  t.same(parsePrometheusText('\n\n').samples, []);
  t.equal(seriesKey('x', { a: '1', b: '2' }), seriesKey('x', { b: '2', a: '1' }));
  t.not(seriesKey('x', { a: '1' }), seriesKey('x', { a: '2' }));
});
