/**
 * The service config, described once (@anycast-origin/options): every field's type, range,
 * default and one-line doc. parseConfig() validates a file against this, then resolves what
 * depends on other fields (per-region values from `defaults`, health checks from what a
 * listener serves) and checks what no single field can (duplicates, quotas, health-check ports).
 */
import { z } from 'zod';
import { o } from '@anycast-origin/options';
import { GA_LIMITS, KNOWN_REGIONS } from './facts.js';

const ACCELERATOR_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const LISTENER_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HEALTH_PATH = /^\/[\x21-\x7e]*$/;

function isCidr16to24(s: string): boolean {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(s);
  const prefix = Number(m?.[2]);
  if (!m?.[1] || !m[1].split('.').every((p) => Number(p) <= 255) || prefix < 16 || prefix > 24) return false;
  const n = m[1].split('.').reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
  return (n & (2 ** (32 - prefix) - 1)) === 0;
}

const KNOWN = new Set<string>(KNOWN_REGIONS);
function region<const P extends { doc: string; required?: true; default?: (typeof KNOWN_REGIONS)[number] }>(spec: P) {
  return o.string({ ...spec, check: (s) => KNOWN.has(s), expects: 'an AWS region name Global Accelerator can send traffic to (KNOWN_REGIONS)' });
}

/** 10 or 30 seconds: the only intervals Global Accelerator takes. */
const intervalSchema = z.union([z.literal(10), z.literal(30)]);
const interval = (spec: { doc: string; default?: 10 | 30 }) => o.custom(intervalSchema, { ...spec, cli: true, expects: '10 or 30 (seconds)' });

/** How Global Accelerator checks a listener's endpoints. */
const healthCheck = o.group({
  protocol: o.enum(['HTTP', 'TCP'], { doc: 'HTTP or TCP (Global Accelerator has no UDP check)' }),
  port: o.integer({ min: 1, max: 65_535, doc: 'port on the instance: a TCP listener port (the security group admits only those)' }),
  path: o.string({ check: (s) => HEALTH_PATH.test(s), expects: 'a path starting with / without spaces', doc: 'HTTP only: the path checked; 2xx/3xx is healthy' }),
  intervalSeconds: interval({ doc: 'seconds between checks (the top-level healthCheck.intervalSeconds when not set)' }),
  thresholdCount: o.integer({ min: GA_LIMITS.thresholdMin, max: GA_LIMITS.thresholdMax, doc: 'consecutive checks to mark an endpoint healthy or unhealthy (the top-level one when not set)' }),
}, { doc: 'the health check of this listener\'s endpoint groups', optional: true, defaultText: 'by what the listener serves: http: HTTP /healthz on its port; dns: TCP on the DNS TCP listener\'s port' });

const listener = o.group({
  name: o.string({ required: true, check: (s) => LISTENER_NAME.test(s), expects: '1..31 lowercase letters, digits and hyphens starting with a letter', doc: 'short name used in resource names' }),
  protocol: o.enum(['TCP', 'UDP'], { required: true, doc: 'TCP or UDP' }),
  port: o.integer({ min: 1, max: 65_535, required: true, doc: 'the one port this listener accepts (never 22 or 3389)' }),
  serves: o.enum(['http', 'dns'], { required: true, doc: 'what the origins serve on it: decides the default health check and the test commands' }),
  clientAffinity: o.enum(['NONE', 'SOURCE_IP'], { defaultText: 'the top-level clientAffinity', doc: 'NONE: a 5-tuple hash picks the endpoint; SOURCE_IP: one client stays on one endpoint' }),
  healthCheck,
}, { doc: 'a listener' });

/** Per-region fields; in a region they fall back to `defaults`, in `defaults` to these defaults. */
const regionFields = {
  instanceCount: o.integer({ min: 1, max: GA_LIMITS.endpointsPerGroup, doc: 'instances in the region = endpoints of each of its endpoint groups (quota: 10)' }),
  instanceType: o.string({ check: (s) => INSTANCE_TYPE.test(s), expects: 'an EC2 instance type like t3.micro', doc: 'EC2 instance type (Graviton types get the arm64 image)' }),
  trafficDial: o.number({ min: GA_LIMITS.trafficDialMin, max: GA_LIMITS.trafficDialMax, unit: 'percent', doc: 'percent of the traffic proximity sends to the region that it keeps' }),
  weight: o.custom(z.union([
    z.number().int().min(GA_LIMITS.weightMin).max(GA_LIMITS.weightMax),
    z.array(z.number().int().min(GA_LIMITS.weightMin).max(GA_LIMITS.weightMax)).min(1).max(GA_LIMITS.endpointsPerGroup),
  ]), { expects: 'an integer 0..255, or a list of them (one per instance)', doc: "each instance's share of its group: weight / sum of the group's weights; 0 = no traffic" }),
  clientIpPreservation: o.boolean({ doc: "endpoints see clients' own addresses (off: every query comes from a few accelerator addresses, so the origin's DNS rate limiting is turned off there)" }),
  ipv6: o.boolean({ doc: 'IPv6 for the VPC, subnets and instances (required by DUAL_STACK)' }),
  vpcCidr: o.string({ check: isCidr16to24, expects: 'an IPv4 network /16../24 (host bits clear)', doc: 'the VPC; its first two 1/16ths are the subnets' }),
  publicIp: o.boolean({ doc: 'origins reachable directly too: a public IPv4 each and routes to the internet gateway (off: only through the accelerator)' }),
  ssmEndpoints: o.boolean({ doc: 'SSM interface endpoints in the VPC (Session Manager and Run Command without public IPs; about 44 USD a month per region)' }),
};

const defaultsGroup = o.group({
  instanceCount: o.integer({ min: 1, max: GA_LIMITS.endpointsPerGroup, default: 2, doc: 'instances per region (quota: 10 endpoints per group)' }),
  instanceType: o.string({ check: (s) => INSTANCE_TYPE.test(s), expects: 'an EC2 instance type like t3.micro', default: 't3.micro', doc: 'EC2 instance type (x86_64, 2 vCPU burstable, 1 GiB)' }),
  trafficDial: o.number({ min: GA_LIMITS.trafficDialMin, max: GA_LIMITS.trafficDialMax, unit: 'percent', default: 100, doc: 'percent of the traffic proximity sends to a region that it keeps' }),
  weight: o.custom(z.union([
    z.number().int().min(GA_LIMITS.weightMin).max(GA_LIMITS.weightMax),
    z.array(z.number().int().min(GA_LIMITS.weightMin).max(GA_LIMITS.weightMax)).min(1).max(GA_LIMITS.endpointsPerGroup),
  ]), { expects: 'an integer 0..255, or a list of them (one per instance)', default: 128, doc: "AWS's default weight, written out (an unset weight reaches the API as 0)" }),
  clientIpPreservation: o.boolean({ default: true, doc: "endpoints see clients' own addresses" }),
  ipv6: o.boolean({ default: false, doc: 'IPv6 for the VPCs, subnets and instances' }),
  vpcCidr: o.string({ check: isCidr16to24, expects: 'an IPv4 network /16../24 (host bits clear)', default: '10.0.0.0/16', doc: 'every region\'s VPC' }),
  publicIp: o.boolean({ default: false, doc: 'public origins: a public IPv4 per instance and routes to the internet gateway; off, they are reached only through the accelerator and fetch packages and the artifact over an S3 gateway endpoint' }),
  ssmEndpoints: o.boolean({ default: false, doc: 'SSM interface endpoints (ssm, ssmmessages, ec2messages) in each VPC: Session Manager and Run Command for origins without public IPs, at about 44 USD a month per region (3 endpoints x 2 zones x 0.01 USD/h) plus 0.01 USD/GB' }),
}, { doc: 'per-region fields a region leaves out' });

const regionGroup = o.group({
  region: region({ required: true, doc: 'the AWS region of the endpoint group' }),
  ...regionFields,
  availabilityZones: o.list(o.string({ required: true, doc: 'a zone' }), { min: 2, max: 2, defaultText: 'the first two that offer the instance type', doc: 'the two zones of the two subnets' }),
}, { doc: 'a region: its name, or an object overriding defaults' });

export const DEFAULT_LISTENERS = Object.freeze([
  Object.freeze({ name: 'http', protocol: 'TCP' as const, port: 80, serves: 'http' as const }),
  Object.freeze({ name: 'dns-udp', protocol: 'UDP' as const, port: 53, serves: 'dns' as const }),
  Object.freeze({ name: 'dns-tcp', protocol: 'TCP' as const, port: 53, serves: 'dns' as const }),
]);
export const DEFAULT_REGIONS = Object.freeze(['us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-1'] as const);

/** The whole file. */
export const CONFIG = o.group({
  acceleratorName: o.string({
    check: (s) => ACCELERATOR_NAME.test(s), expects: '1..32 lowercase letters, digits and inner hyphens', default: 'anycast-origin',
    doc: 'the accelerator; also prefixes the bucket, IAM role and security groups',
  }),
  ipAddressType: o.enum(['IPV4', 'DUAL_STACK'], { default: 'IPV4', doc: 'IPV4, or DUAL_STACK (every region then needs ipv6)' }),
  ipAddresses: o.list(o.ip({ family: 4, required: true, doc: 'an address from your pool' }), { max: GA_LIMITS.byoipMax, default: [], doc: 'BYOIP: one or two IPv4 addresses from your own pool; empty = AWS assigns two' }),
  flowLogs: o.group({
    s3Bucket: o.string({ required: true, check: (s) => S3_BUCKET.test(s), expects: 'an S3 bucket name', doc: 'an existing bucket with a policy for delivery.logs.amazonaws.com' }),
    s3Prefix: o.string({ minBytes: 0, default: '', doc: 'object key prefix' }),
  }, { doc: 'flow logs to S3 (null or absent: off)', optional: true }),
  clientAffinity: o.enum(['NONE', 'SOURCE_IP'], { default: 'NONE', doc: 'every listener\'s affinity unless it sets its own' }),
  listeners: o.list(listener, { min: 1, max: GA_LIMITS.listenersPerAccelerator, default: DEFAULT_LISTENERS.map((l) => ({ ...l })), defaultText: 'http TCP 80, dns-udp UDP 53, dns-tcp TCP 53', doc: 'what the accelerator listens on' }),
  healthCheck: o.group({
    intervalSeconds: interval({ default: 10, doc: 'every listener\'s interval unless it sets its own' }),
    thresholdCount: o.integer({ min: GA_LIMITS.thresholdMin, max: GA_LIMITS.thresholdMax, default: 3, doc: 'every listener\'s threshold unless it sets its own' }),
  }, { doc: 'health-check timing for every listener (the origins\' default drain is sized from it)' }),
  homeRegion: region({ default: 'us-west-2', doc: 'the artifact bucket\'s region (IAM and Global Accelerator are global)' }),
  defaults: defaultsGroup,
  regions: o.list(regionGroup, { min: 1, default: DEFAULT_REGIONS.map((r) => ({ region: r })), defaultText: DEFAULT_REGIONS.join(', '), doc: 'one endpoint group per region per listener' }),
  artifactPath: o.string({ default: '../apps/origin/artifact/anycast-origin-linux.tar.gz', doc: 'the origin artifact (.tar.gz); relative to the config file' }),
  tags: o.custom(z.record(z.string().min(1).max(128).refine((k) => !k.toLowerCase().startsWith('aws:')), z.string().max(256)), {
    expects: 'an object of tags (keys 1..128 characters not starting with aws:, values up to 256)',
    default: { project: 'anycast-origin', 'managed-by': 'cdktf' },
    doc: 'tags on every taggable resource',
  }),
}, { doc: 'the anycast service' });
