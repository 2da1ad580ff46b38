/**
 * Flow logs: AWS's record format and S3 key layout, and records written for real flows (UDP
 * ended by idle timeout, TCP by close) to a stream and to files, only while FlowLogsEnabled.
 */
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { FLOW_LOG_FIELDS, flowLogKey, formatFlowRecord } from '../src/index.js';
import type { FlowRecord } from '../src/index.js';
import { build, dnsOrigin, entryOf, httpGet, httpOrigin, onTcpBackend, query, startEmulator, TCP_BACKENDS, udpAsk, waitFor } from './fixtures/lab.js';

const record: FlowRecord = {
  accountId: '123456789012', acceleratorId: '1234abcd-abcd-1234-abcd-1234abcdefab', clientIp: '127.20.0.1', clientPort: 40000, acceleratorIp: '127.77.0.1',
  acceleratorPort: 53, endpointIp: '127.10.0.1', endpointPort: 8053, protocol: 'UDP', packets: 2, bytes: 80, startTime: 1700000000.2, endTime: 1700000001.5,
  action: 'ACCEPT', gaSourceIp: '127.77.0.1', gaSourcePort: 51000, endpointRegion: 'eu-central-1', edge: undefined, direction: 'INGRESS', preserved: false, vpcId: undefined,
};

t.test('record format: AWS\'s fields in AWS\'s order, version 1.0 or 2.0, - where nothing applies', async (t) => {
  const v1 = formatFlowRecord(record).split(' ');
  t.equal(v1.length, FLOW_LOG_FIELDS.length - 1, 'version 1.0 has no vpc_id');
  t.same(v1, ['1.0', '123456789012', '1234abcd-abcd-1234-abcd-1234abcdefab', '127.20.0.1', '40000', '127.77.0.1', '53', '127.10.0.1', '8053', '17', 'IPv4', '2', '80',
    '1700000000', '1700000002', 'ACCEPT', 'OK', '127.77.0.1', '51000', 'eu-central-1', '-', 'INGRESS']);
  const v2 = formatFlowRecord({ ...record, protocol: 'TCP', preserved: true, edge: 'FRA50', direction: 'EGRESS' }).split(' ');
  t.equal(v2.length, FLOW_LOG_FIELDS.length);
  t.same([v2[0], v2[9], v2[20], v2[21], v2[22]], ['2.0', '6', 'FRA50', 'EGRESS', '-']);
  t.equal(flowLogKey('123456789012', 'abc', 'bucket', 'pre', new Date(Date.UTC(2018, 10, 23, 0, 7, 30))),
    'bucket/pre/AWSLogs/123456789012/globalaccelerator/us-west-2/2018/11/23/123456789012_globalaccelerator_abc_20181123T0005Z_emulator.log', '5-minute files, AWS\'s key layout');
  t.equal(flowLogKey('1', 'a', 'b', undefined, new Date(0)), 'b/AWSLogs/1/globalaccelerator/us-west-2/1970/01/01/1_globalaccelerator_a_19700101T0000Z_emulator.log');
});

for (const tcpBackend of TCP_BACKENDS) t.test(`records for real flows, to a stream and to S3-shaped files, only with FlowLogsEnabled (tcpBackend ${tcpBackend})`, onTcpBackend(tcpBackend), async (t) => {
  const dir = t.testdir({});
  const stream = new PassThrough();
  let lines: string[] = [];
  stream.on('data', (d: Buffer) => (lines = lines.concat(d.toString().split('\n').filter(Boolean))));
  const emulator = await startEmulator(t, {
    tcpBackend, addressPool: '127.85.0.0/24', udp: { idleTimeoutSeconds: 0.2 }, flowLogs: { stream, directory: dir },
    vantages: [{ address: '127.85.2.1', lat: 50.11, lon: 8.68, edge: 'FRA50' }],
  });
  const http = await httpOrigin(t, 1, 'eu-central-1', '127.85.1.1');
  const dns = await dnsOrigin(t, 1, 'eu-central-1', '127.85.1.1');
  const built = await build(emulator, [
    { protocol: 'TCP', port: 80, groups: [{ region: 'eu-central-1', endpoints: [{ origin: http, preserve: false }] }] },
    { protocol: 'UDP', port: 53, groups: [{ region: 'eu-central-1', endpoints: [{ origin: dns }] }] },
  ]);
  const udp = entryOf(emulator, built.acceleratorArn, 'UDP', 53);
  const tcp = entryOf(emulator, built.acceleratorArn, 'TCP', 80);
  await udpAsk(udp, query('id.server'), { address: '127.85.2.1' });
  await new Promise((r) => setTimeout(r, 600));
  t.same(lines, [], 'flow logs off: no record');

  await emulator.call('UpdateAcceleratorAttributes', { AcceleratorArn: built.acceleratorArn, FlowLogsEnabled: true, FlowLogsS3Bucket: 'flow-bucket', FlowLogsS3Prefix: 'lab' });
  await emulator.deployed();
  await udpAsk(udp, query('id.server'), { address: '127.85.2.1' });
  await httpGet(tcp, '/', '127.85.2.1');
  await waitFor(() => lines.length >= 4, 5000, 'four records (two flows, two directions)');
  const fields = lines.map((l) => l.split(' '));
  const udpIn = fields.find((f) => f[9] === '17' && f[21] === 'INGRESS') as string[];
  const udpOut = fields.find((f) => f[9] === '17' && f[21] === 'EGRESS') as string[];
  const tcpIn = fields.find((f) => f[9] === '6' && f[21] === 'INGRESS') as string[];
  t.same([udpIn[0], udpIn[3], udpIn[5], udpIn[6], udpIn[7], udpIn[8], udpIn[11], udpIn[19], udpIn[20]],
    ['2.0', '127.85.2.1', udp.address, '53', '127.85.1.1', String(dns.port), '1', 'eu-central-1', 'FRA50'], 'UDP with preservation: version 2.0, one datagram in');
  t.equal(udpIn[17], '127.85.2.1', 'preserved: the endpoint saw the client\'s address');
  t.ok(Number(udpOut[12]) > 0, 'the answer\'s bytes on the EGRESS record');
  t.same([tcpIn[0], tcpIn[17], tcpIn[2]], ['1.0', tcp.address, emulator.state().accelerators[0]?.id], 'TCP without preservation: version 1.0, from the entry address');
  const tcpOut = fields.find((f) => f[9] === '6' && f[21] === 'EGRESS') as string[];
  t.ok(Number(tcpIn[18]) > 0 && Number(tcpIn[18]) < 65536, `the upstream connection's own port (${tcpIn[18]})`);
  t.ok(Number(tcpIn[11]) >= 1 && Number(tcpIn[12]) > 0 && Number(tcpOut[12]) > 0, 'the request\'s and the answer\'s packets and bytes');
  await emulator.close();
  const base = join(dir, 'flow-bucket', 'lab', 'AWSLogs', '123456789012', 'globalaccelerator', 'us-west-2');
  t.ok(existsSync(base), 'files under the S3 key layout');
  const files: string[] = [];
  const walk = (d: string) => readdirSync(d, { withFileTypes: true }).forEach((x) => (x.isDirectory() ? walk(join(d, x.name)) : files.push(join(d, x.name))));
  walk(base);
  t.ok(files.length >= 1 && files.length <= 2, 'one 5-minute file (two when the run crossed a boundary)');
  t.same(files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n')).sort(), [...lines].sort(), 'the same records as the stream');
  t.equal(emulator.state().flowLogRecords, lines.length);
});
