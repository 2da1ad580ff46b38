/**
 * The metrics addresses of a real fleet: the Global Accelerator endpoint ids of EC2 endpoints
 * are instance ids, and EC2 knows each instance's addresses. One DescribeInstances per Region
 * (a client is Regional; the fleet spans Regions), filtered by instance id rather than asked
 * with InstanceIds: with InstanceIds one id EC2 does not know fails the whole call, with the
 * filter it is just absent. Paged, 200 ids per filter.
 *
 * An endpoint that is not an instance (a load balancer's ARN, an Elastic IP), not found, not
 * running, or without the chosen IPv4 address (an IPv6-only instance, no public address) is a
 * MissingTarget with why; an API error makes every endpoint of that Region one. Never throws.
 */
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { o, parseOptions } from '@anycast-origin/options';
import type { OptionsInput } from '@anycast-origin/options';
import { z } from 'zod';
import { InvalidOptionError } from '../errors.js';
import { errorText, uniqueExpected } from './load.js';
import type { Expected, MissingTarget, Target } from './load.js';
import { METRICS_ADDRESS, METRICS_PORT } from './source-options.js';

/** An EC2 instance id: i- and 8 or 17 hex digits. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** Values DescribeInstances takes in one filter. */
const FILTER_VALUES = 200;
/** A listing that does not end is the API's fault, not a fleet this large. */
const MAX_PAGES = 1000;

export const EC2_TARGETS_OPTIONS = o.group({
  client: o.custom(z.custom<(region: string) => EC2Client>((v) => typeof v === 'function'), {
    required: true, expects: 'a function (Region) -> EC2Client', doc: 'the EC2 client of a Region (called on every read: keep one per Region there)',
  }),
  port: METRICS_PORT,
  address: METRICS_ADDRESS,
}, { doc: 'ec2Targets options' });
export type Ec2TargetsOptions = OptionsInput<typeof EC2_TARGETS_OPTIONS>;

async function describe(client: EC2Client, ids: readonly string[]): Promise<Instance[]> {
  const out: Instance[] = [];
  for (let i = 0; i < ids.length; i += FILTER_VALUES) {
    let token: string | undefined;
    let pages = 0;
    do {
      if (++pages > MAX_PAGES) throw new Error(`DescribeInstances did not end after ${MAX_PAGES} pages`);
      const page = await client.send(new DescribeInstancesCommand({
        Filters: [{ Name: 'instance-id', Values: ids.slice(i, i + FILTER_VALUES) }], MaxResults: 1000, ...(token ? { NextToken: token } : {}),
      }));
      for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
      token = page.NextToken || undefined;
    } while (token);
  }
  return out;
}

function awsText(e: unknown): string {
  const name = (e as { name?: string }).name;
  return name && name !== 'Error' ? `${name}: ${errorText(e)}` : errorText(e);
}

/**
 * Targets from EC2: each expected endpoint's instance, its private or public IPv4 address,
 * http://address:port/metrics.
 */
export function ec2Targets(options: Ec2TargetsOptions): (expected: readonly Expected[]) => Promise<(Target | MissingTarget)[]> {
  const opts = parseOptions(EC2_TARGETS_OPTIONS, options, (option, message) => new InvalidOptionError(option, message));
  const which = opts.address === 'private' ? 'PrivateIpAddress' : 'PublicIpAddress';
  return async (expected) => {
    const want = uniqueExpected(expected);
    const out = new Map<string, Target | MissingTarget>();
    const missing = (e: Expected, why: string): void => {
      out.set(e.id, { id: e.id, region: e.region, metrics: null, why });
    };
    const regions = [...new Set(want.map((e) => e.region))];
    await Promise.all(regions.map(async (region) => {
      const here = want.filter((e) => e.region === region);
      for (const e of here) if (!INSTANCE_ID.test(e.id)) missing(e, 'not an EC2 instance (no instance id to find its address by)');
      const ids = here.filter((e) => INSTANCE_ID.test(e.id)).map((e) => e.id);
      if (ids.length === 0) return;
      let instances: Instance[];
      try {
        instances = await describe(opts.client(region), ids);
      } catch (e) {
        for (const x of here) if (!out.has(x.id)) missing(x, `DescribeInstances in ${region}: ${awsText(e)}`);
        return;
      }
      const byId = new Map(instances.map((i) => [i.InstanceId, i]));
      for (const e of here) {
        if (out.has(e.id)) continue;
        const inst = byId.get(e.id);
        const state = inst?.State?.Name;
        const address = inst?.[which];
        if (!inst) missing(e, `instance not found in ${region}`);
        else if (state !== undefined && state !== 'running') missing(e, `instance is ${state}`);
        else if (!address) {
          const v6 = inst.Ipv6Address ?? inst.NetworkInterfaces?.flatMap((n) => n.Ipv6Addresses ?? [])[0]?.Ipv6Address;
          missing(e, `instance has no ${opts.address} IPv4 address${v6 ? ` (IPv6-only: ${v6})` : ''}`);
        } else out.set(e.id, { id: e.id, region, metrics: `http://${address}:${opts.port}/metrics` });
      }
    }));
    return want.map((e) => out.get(e.id)!);
  };
}
