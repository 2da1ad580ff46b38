/**
 * Replay BIND 9's dns_message_parse fuzzer seed corpus (third-party test data, MPL 2.0; see
 * ../shared/data/dns-fuzz-corpus/README.md) over UDP and TCP. Every answer must be a
 * well-formed DNS message with the query's ID and no larger than the query allows; packets
 * a trusted server drops (under 12 octets, QR=1, no one question to read: see
 * fixtures/oracle.ts) get none; the server answers id.server afterwards.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, fuzzCorpus, header, ID, query, startOrigin, tcpQuery, txtOf, udpQuery } from './fixtures/helpers.js';
import { allowedUdpSize, mustDrop, plausible } from './fixtures/oracle.js';

const { dir: CORPUS, files } = fuzzCorpus();

async function batched<T>(items: T[], size: number, fn: (x: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const zone = { name: 'example', a: ['10.53.0.1'], aaaa: ['fd92:7065:b8e:ffff::1'] };
const big = { nsid: Buffer.alloc(200, 0x6e) };

// Both UDP paths: the batched addon (the default) and Node's own socket.
for (const udpBackend of ['mmsg', 'node'] as const) t.test(`corpus over UDP (udpBackend ${udpBackend})`, async (t) => {
  t.ok(files.length >= 300, `${files.length} packets`);
  const { port, origin } = await startOrigin(t, { rrl: false, zone, ...big, udpBackend });
  let answered = 0;
  let silent = 0;
  // Small packets in parallel batches; large ones one at a time, so the kernel's socket buffer
  // (not the server) never drops any. Over 65507 octets cannot be sent over UDP at all.
  const small = files.filter((f) => readFileSync(join(CORPUS, f)).length <= 1232);
  const large = files.filter((f) => !small.includes(f));
  let unsendable = 0;
  const one = async (f: string) => {
    const pkt = readFileSync(join(CORPUS, f));
    if (pkt.length > 65_507) { unsendable++; t.comment(`${f}: ${pkt.length} octets, too large for UDP`); return; }
    const drop = mustDrop(pkt);
    // An answer comes back in milliseconds; waiting for silence is what costs time.
    const out = await udpQuery(port, pkt, { timeoutMs: drop ? 500 : 2000 });
    if (drop) { t.equal(out, null, `${f}: dropped`); silent++; return; }
    if (out === null) { t.fail(`${f}: no answer to a query`); return; }
    answered++;
    t.equal(header(out).id, pkt.readUInt16BE(0), `${f}: ID echoed`);
    t.ok(out.length <= allowedUdpSize(pkt), `${f}: ${out.length} <= ${allowedUdpSize(pkt)}`);
    t.doesNotThrow(() => decode(out), `${f}: well-formed`);
    const why = plausible(pkt, out, zone.name);
    t.equal(why, '', `${f}: ${why || 'plausible'}`);
  };
  await batched(small, 30, one);
  await batched(large, 1, one);
  t.comment(`${answered} answered, ${silent} dropped (short, QR=1 or no one question), ${unsendable} too large for UDP`);
  t.same(txtOf(decode(await udpQuery(port, query('id.server', 'TXT', 'CH')))), [ID], 'still answering');
  const s = await origin.stats();
  t.equal(s.dropped, silent, `the server counted the same drops (${JSON.stringify(s)})`);
});

t.test('corpus over TCP (length-prefixed, one connection each)', async (t) => {
  const { port } = await startOrigin(t, { rrl: false, zone, ...big });
  await batched(files, 60, async (f) => {
    const pkt = readFileSync(join(CORPUS, f));
    const drop = mustDrop(pkt);
    const r = await tcpQuery(port, [pkt], { timeoutMs: drop ? 400 : 2000 });
    if (drop) { t.equal(r.answers.length, 0, `${f}: no answer`); return; }
    t.equal(r.answers.length, 1, `${f}: one answer`);
    const out = r.answers[0];
    if (!out) return;
    t.equal(header(out).id, pkt.readUInt16BE(0), `${f}: ID echoed`);
    t.doesNotThrow(() => decode(out), `${f}: well-formed`);
    t.equal(plausible(pkt, out, zone.name), '', f);
  });
  // All of it on one connection too: the server keeps reading frames after bad ones.
  const all = files.map((f) => readFileSync(join(CORPUS, f)));
  const r = await tcpQuery(port, [...all, query('id.server', 'TXT', 'CH', { id: 0xbeef })], { expect: 10_000, timeoutMs: 1500 });
  const last = r.answers[r.answers.length - 1];
  t.ok(last && header(last).id === 0xbeef, 'id.server answered after the whole corpus on one connection');
});

t.test('the corpus is in the checkout: 300 packets', async (t) => {
  t.equal(files.length, 300);
});
