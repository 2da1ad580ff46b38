import t from 'tap';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { DescribeInstancesCommandInput } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidOptionError } from '../../src/errors.js';
import { ec2Targets, scrapeSource } from '../../src/autopilot/sources.js';
import { fakeServer, originPage } from './fixtures/servers.js';

const EU = 'eu-central-1';
const US = 'us-east-1';
const A = 'i-0123456789abcdef0';
const B = 'i-0fedcba9876543210';
const C = 'i-0aaaaaaaaaaaaaaaa';
const D = 'i-12345678';

/** One EC2 client per Region, never reaching AWS (no credentials asked: the mock answers). */
function clients(t: { teardown(fn: () => unknown): void }) {
  const made = new Map<string, EC2Client>();
  const of = (region: string): EC2Client => {
    let c = made.get(region);
    if (!c) {
      c = new EC2Client({ region, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, endpoint: 'http://127.0.0.1:1' });
      made.set(region, c);
    }
    return c;
  };
  t.teardown(() => { for (const c of made.values()) c.destroy(); });
  return { of, made };
}

t.test('each Region asked with its own client, by instance-id filter, every page; the chosen address', async (t) => {
  const { of } = clients(t);
  const eu = mockClient(of(EU));
  const us = mockClient(of(US));
  t.teardown(() => { eu.restore(); us.restore(); });
  eu.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    if (!input.NextToken) {
      return { Reservations: [{ Instances: [{ InstanceId: A, State: { Name: 'running' }, PrivateIpAddress: '10.0.0.5', PublicIpAddress: '3.120.0.5' }] }], NextToken: 'page2' };
    }
    return { Reservations: [{ Instances: [{ InstanceId: D, State: { Name: 'stopped' }, PrivateIpAddress: '10.0.0.6' }] }] };
  });
  us.on(DescribeInstancesCommand).resolves({
    Reservations: [{ Instances: [
      { InstanceId: B, State: { Name: 'running' }, PrivateIpAddress: '10.1.0.7' },
      { InstanceId: C, State: { Name: 'running' }, Ipv6Address: '2600:1f18::7', NetworkInterfaces: [] },
    ] }],
  });
  const targets = ec2Targets({ client: of, port: 9100, address: 'private' });
  const expected = [
    { id: A, region: EU }, { id: D, region: EU }, { id: 'i-0bbbbbbbbbbbbbbbb', region: EU },
    { id: B, region: US }, { id: C, region: US }, { id: B, region: US },
    { id: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/y', region: US },
  ];
  t.same(await targets(expected), [
    { id: A, region: EU, metrics: 'http://10.0.0.5:9100/metrics' },
    { id: D, region: EU, metrics: null, why: 'instance is stopped' },
    { id: 'i-0bbbbbbbbbbbbbbbb', region: EU, metrics: null, why: 'instance not found in eu-central-1' },
    { id: B, region: US, metrics: 'http://10.1.0.7:9100/metrics' },
    { id: C, region: US, metrics: null, why: 'instance has no private IPv4 address (IPv6-only: 2600:1f18::7)' },
    { id: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/y', region: US, metrics: null, why: 'not an EC2 instance (no instance id to find its address by)' },
  ]);
  const euCalls = eu.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
  t.same(euCalls, [
    { Filters: [{ Name: 'instance-id', Values: [A, D, 'i-0bbbbbbbbbbbbbbbb'] }], MaxResults: 1000 },
    { Filters: [{ Name: 'instance-id', Values: [A, D, 'i-0bbbbbbbbbbbbbbbb'] }], MaxResults: 1000, NextToken: 'page2' },
  ]);
  t.same(us.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters, [{ Name: 'instance-id', Values: [B, C] }], 'an instance listed twice is asked once; a load balancer not at all');

  const pub = ec2Targets({ client: of, port: 9100, address: 'public' });
  t.same((await pub([{ id: A, region: EU }, { id: B, region: US }])), [
    { id: A, region: EU, metrics: 'http://3.120.0.5:9100/metrics' },
    { id: B, region: US, metrics: null, why: 'instance has no public IPv4 address' },
  ]);
});

t.test('an IPv6-only instance named by its interface; over 200 ids in several filters; an API error fails its Region only', async (t) => {
  const { of } = clients(t);
  const eu = mockClient(of(EU));
  const us = mockClient(of(US));
  t.teardown(() => { eu.restore(); us.restore(); });
  const many = Array.from({ length: 250 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
  eu.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => ({
    Reservations: [{ Instances: input.Filters![0]!.Values!.map((id, i) => (i === 0 && id === many[0]
      ? { InstanceId: id, NetworkInterfaces: [{ Ipv6Addresses: [{ Ipv6Address: '2a05:d014::1' }] }] }
      : { InstanceId: id, PrivateIpAddress: `10.0.${Math.floor(i / 200)}.${i % 200}` })) }],
  }));
  const denied = Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' });
  us.on(DescribeInstancesCommand).rejects(denied);
  const targets = ec2Targets({ client: of, port: 80 });
  const got = await targets([...many.map((id) => ({ id, region: EU })), { id: B, region: US }, { id: C, region: US }]);
  t.equal(eu.commandCalls(DescribeInstancesCommand).length, 2);
  t.same(eu.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.Filters![0]!.Values!.length), [200, 50]);
  t.same(got[0], { id: many[0], region: EU, metrics: null, why: 'instance has no private IPv4 address (IPv6-only: 2a05:d014::1)' });
  t.same(got[1], { id: many[1], region: EU, metrics: 'http://10.0.0.1:80/metrics' }, 'no State: taken as running');
  t.equal(got.filter((x) => x.metrics !== null).length, 249);
  t.same(got.slice(-2), [
    { id: B, region: US, metrics: null, why: 'DescribeInstances in us-east-1: UnauthorizedOperation: You are not authorized to perform this operation.' },
    { id: C, region: US, metrics: null, why: 'DescribeInstances in us-east-1: UnauthorizedOperation: You are not authorized to perform this operation.' },
  ]);
});

t.test('a listing that never ends; a plain error', async (t) => {
  const { of } = clients(t);
  const eu = mockClient(of(EU));
  t.teardown(() => eu.restore());
  eu.on(DescribeInstancesCommand).resolves({ Reservations: [], NextToken: 'again' });
  t.same(await ec2Targets({ client: of, port: 80 })([{ id: A, region: EU }]), [
    { id: A, region: EU, metrics: null, why: 'DescribeInstances in eu-central-1: DescribeInstances did not end after 1000 pages' },
  ]);
  eu.reset();
  eu.on(DescribeInstancesCommand).rejects(new Error('socket hang up'));
  t.same(await ec2Targets({ client: of, port: 80 })([{ id: A, region: EU }]), [{ id: A, region: EU, metrics: null, why: 'DescribeInstances in eu-central-1: socket hang up' }]);
});

t.test('options are checked', async (t) => {
  t.throws(() => ec2Targets({ port: 80 } as never), InvalidOptionError);
  t.throws(() => ec2Targets({ client: () => new EC2Client({}), port: 0 }), /port must be an integer 1\.\.65535, got 0/);
  t.throws(() => ec2Targets({ client: () => new EC2Client({}), port: 80, address: 'ipv6' as never }), /address must be one of 'private', 'public'/);
});

t.test('scraping at the addresses EC2 gives (loopback stands in for the instances)', async (t) => {
  const srv = await fakeServer(t);
  let root = 0;
  srv.handle = (_req, res) => res.writeHead(200).end(originPage({ id: `${A}.eu-central-1a`, region: EU, http: { root } }));
  const { of } = clients(t);
  const eu = mockClient(of(EU));
  t.teardown(() => eu.restore());
  eu.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: A, State: { Name: 'running' }, PrivateIpAddress: '127.0.0.1' }] }] });
  let ms = 0;
  const s = scrapeSource({ kind: 'ec2', targets: ec2Targets({ client: of, port: srv.port }), now: () => ms });
  t.teardown(() => s.close());
  t.equal((await s.read([{ id: A, region: EU }])).regions.get(EU)!.rate, null);
  root = 30;
  ms += 3000;
  t.same((await s.read([{ id: A, region: EU }])).regions.get(EU), { region: EU, rate: 10, http: 10, dns: 0, endpoints: [{ id: A, rate: 10, http: 10, dns: 0 }] });
  t.same(srv.requests, ['/metrics', '/metrics']);
});
