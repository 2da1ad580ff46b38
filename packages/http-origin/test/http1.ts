/**
 * What each uWebSockets.js build answers to HTTP/1.1 edge cases (h1spec style): a table of
 * raw requests with the outcome per build, run against the build this host loads. An outcome
 * is a status, `close` (closed at once without a status) or `silent` (nothing within 2 s: the
 * idle timeout closes the connection later, see test/server.ts). 20.57 answers what 20.30
 * left silent: HTTP/1.0 gets 505 at once, oversized headers 431, a missing Host 400.
 */
import t from 'tap';
import { needs, run } from '@anycast-origin/testkit';
import { uwsChoice } from '../src/index.js';
import { TEXT, raw, startOrigin, statusOf } from './fixtures/helpers.js';

type Outcome = number | 'close' | 'silent';
type Build = '20.30.0' | '20.57.0';

const PAD_9K = `X-Pad: ${'p'.repeat(9 * 1024)}\r\n`;
const CASES: [string, string | string[], Record<Build, Outcome>][] = [
  ['a valid request', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { '20.30.0': 200, '20.57.0': 200 }],
  ['HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 505 }],
  ['HTTP/1.0 with Host', 'GET / HTTP/1.0\r\nHost: a\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 505 }],
  ['HTTP/2.0 request line', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 505 }],
  ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 400 }],
  ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', { '20.30.0': 200, '20.57.0': 400 }],
  ['9 KB of headers in one read', `GET / HTTP/1.1\r\nHost: a\r\n${PAD_9K}\r\n`, { '20.30.0': 200, '20.57.0': 431 }],
  ['9 KB of headers over several reads', ['GET / HTTP/1.1\r\nHost: a\r\n', ...(PAD_9K.match(/[\s\S]{1,1000}/g) ?? []), '\r\n'], { '20.30.0': 'close', '20.57.0': 431 }],
  ['9 KB request target', `GET /${'u'.repeat(9216)} HTTP/1.1\r\nHost: a\r\n\r\n`, { '20.30.0': 200, '20.57.0': 431 }],
  ['negative Content-Length', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', { '20.30.0': 'close', '20.57.0': 400 }],
  ['non-numeric Content-Length', 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n', { '20.30.0': 'close', '20.57.0': 400 }],
  ['Transfer-Encoding with Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', { '20.30.0': 'close', '20.57.0': 400 }],
  ['bad chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', { '20.30.0': 'close', '20.57.0': 400 }],
  ['control character in the target', 'GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 505 }],
  ['NUL in the method', 'G\x00T / HTTP/1.1\r\nHost: a\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 505 }],
  ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 400 }],
  ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 400 }],
  ['space before the colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 400 }],
  ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 400 }],
  ['bare LF line ends', 'GET / HTTP/1.1\nHost: a\n\n', { '20.30.0': 'silent', '20.57.0': 505 }],
  ['two spaces after the method', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 505 }],
  ['TLS ClientHello (binary)', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', { '20.30.0': 'silent', '20.57.0': 505 }],
  ['an unknown method', 'FOO / HTTP/1.1\r\nHost: a\r\n\r\n', { '20.30.0': 'close', '20.57.0': 405 }],
  // Known gaps of both builds: RFC 9112 wants absolute-form targets and a leading empty line
  // served, and a bare CR or a missing version rejected (nginx answers 400).
  ['absolute-form target', 'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 505 }],
  ['a bare CR ending a header line', 'GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 'silent' }],
  ['an empty line before the request', '\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 'silent' }],
  ['no version in the request line', 'GET /\r\nHost: a\r\n\r\n', { '20.30.0': 'silent', '20.57.0': 'silent' }],
];

const build = uwsChoice().build.version as Build;

t.test(`uWS ${build} answers each edge case as recorded`, async (t) => {
  t.ok(build === '20.30.0' || build === '20.57.0', `a known build (${build})`);
  const { port } = await startOrigin(t);
  const results = await Promise.all(CASES.map(async ([name, data, expected]) => {
    const t0 = Date.now();
    const r = await raw(port, data, { gapMs: 5, waitMs: 2000 });
    const status = statusOf(r.text);
    const got: Outcome = status || (r.closed ? 'close' : 'silent');
    return { name, expected: expected[build], got, ms: Date.now() - t0 };
  }));
  for (const r of results) t.equal(r.got, r.expected, `${r.name}: ${r.got}${typeof r.got === 'number' ? '' : ` (${r.ms} ms)`}`);
  t.equal(statusOf((await raw(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { waitMs: 500 })).text), 200, 'still serving');
});

t.test('curl --http1.0: 505 at once on 20.57, no answer within 2 s on 20.30', needs('curl', 'curl'), async (t) => {
  const { port } = await startOrigin(t);
  const t0 = Date.now();
  const r = await run('curl', ['--http1.0', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', `http://127.0.0.1:${port}/`]);
  const ms = Date.now() - t0;
  if (build === '20.57.0') {
    t.equal(r.stdout, '505');
    t.ok(ms < 1500, `answered in ${ms} ms`);
  } else {
    t.equal(r.stdout, '000', 'no status');
    t.equal(r.code, 28, 'curl timed out (operation timeout)');
  }
  const ok = await run('curl', ['-s', '--max-time', '2', `http://127.0.0.1:${port}/`]);
  t.equal(ok.stdout, TEXT, 'HTTP/1.1 is served');
});
