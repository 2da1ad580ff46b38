/**
 * What the lab runs, worked out from the service config before anything starts: one origin
 * instance per region and instance count (what infra would deploy), each with an EC2-shaped
 * instance id that is the same on every run (derived from the accelerator's name, the region
 * and the instance's number), the zone infra puts it in (instance i in subnet i % 2, the
 * region's first two zones), its weight and its loopback address; and the vantage points, each
 * with a loopback address of its own.
 */
import { createHash } from 'node:crypto';
import type { AnycastConfig, ListenerConfig } from '@anycast-origin/config';
import { originAddress, vantageAddress } from './addresses.js';
import { InputError } from './errors.js';

export interface InstancePlan {
  /** EC2-shaped instance id, `i-` and 17 hex digits: the endpoint id in the accelerator. */
  readonly instanceId: string;
  /** What the origin answers: `<instance id>.<zone>`, the seed's identity. */
  readonly identity: string;
  readonly region: string;
  readonly availabilityZone: string;
  /** Place of the region in the config (0-based) and of the instance in its region. */
  readonly regionIndex: number;
  readonly index: number;
  readonly address: string;
  readonly weight: number;
}

/** `i-0` and 16 hex digits of a hash of (accelerator, region, instance): stable across runs, distinct per instance. */
export function instanceIdFor(acceleratorName: string, region: string, index: number): string {
  const hex = createHash('sha256').update(`${acceleratorName}/${region}/${index}`).digest('hex');
  return `i-0${hex.slice(0, 16)}`;
}

/** The region's two zones: the config's, else `<region>a` and `<region>b` (infra takes the first two that offer the instance type). */
export function zonesOf(region: { region: string; availabilityZones: readonly [string, string] | null }): readonly [string, string] {
  return region.availabilityZones ?? [`${region.region}a`, `${region.region}b`];
}

/** Every instance of the config, region by region, on addresses from `originBlock`. */
export function planInstances(config: AnycastConfig, originBlock: string): InstancePlan[] {
  return config.regions.flatMap((r, regionIndex) => {
    const zones = zonesOf(r);
    return Array.from({ length: r.instanceCount }, (_, index): InstancePlan => {
      const instanceId = instanceIdFor(config.acceleratorName, r.region, index);
      const availabilityZone = zones[index % 2] as string;
      return {
        instanceId,
        identity: `${instanceId}.${availabilityZone}`,
        region: r.region,
        availabilityZone,
        regionIndex,
        index,
        address: originAddress(originBlock, regionIndex, index),
        weight: r.weights[index] ?? 128,
      };
    });
  });
}

/**
 * Which origin port serves each listener port: HTTP listeners go to the origins' HTTP port,
 * DNS listeners (UDP and TCP) to their DNS port. The emulator's endpoint registry takes this
 * map; health checks use it too (they check a listener port).
 */
export function portMapFor(listeners: readonly ListenerConfig[], ports: { http: number; dns: number }, configFile: string): Record<number, number> {
  const map: Record<number, number> = {};
  const by: Record<number, string> = {};
  for (const l of listeners) {
    const target = l.serves === 'http' ? ports.http : ports.dns;
    const was = map[l.port];
    if (was !== undefined && was !== target) {
      throw new InputError(configFile, `listener ${l.name} (${l.protocol} ${l.port}) serves ${l.serves} but listener ${by[l.port]} on the same port serves the other: the lab maps each listener port to one origin port`);
    }
    map[l.port] = target;
    by[l.port] = l.name;
  }
  return map;
}

/** A place clients come from. */
export interface VantageSpec {
  readonly name: string;
  readonly latitude: number;
  readonly longitude: number;
}

/** A vantage point as the state file and `probe sweep` take it. */
export interface VantagePoint extends VantageSpec {
  readonly id: number;
  readonly address: string;
}

/** Number the vantage points from 1 and give each an address from `block`; names must be unique. */
export function planVantagePoints(specs: readonly VantageSpec[], block: string): VantagePoint[] {
  const seen = new Set<string>();
  return specs.map((s, i) => {
    if (seen.has(s.name)) throw new InputError('vantage points', `the name ${JSON.stringify(s.name)} is used twice`);
    seen.add(s.name);
    return { id: i + 1, name: s.name, address: vantageAddress(block, i), latitude: s.latitude, longitude: s.longitude };
  });
}
