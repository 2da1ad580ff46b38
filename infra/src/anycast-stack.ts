/**
 * The whole service as one Terraform stack, from one validated config (AnycastConfig from
 * @anycast-origin/config).
 */
import { Fn, LocalBackend, TerraformElement, TerraformIterator, TerraformOutput, TerraformStack, Token } from 'cdktf';
import type { Construct } from 'constructs';
import type { Node } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import type { AnycastConfig, ListenerConfig } from '@anycast-origin/config';
import { Accelerator } from './accelerator.js';
import { ArtifactBucket } from './artifact-bucket.js';
import { EndpointGroup } from './endpoint-group.js';
import { ORIGIN_IMAGE } from './image.js';
import { Listener } from './listener.js';
import { OriginArtifact } from './origin-artifact.js';
import { OriginFleet } from './origin-fleet.js';
import { OriginNetwork } from './origin-network.js';
import { OriginRole } from './origin-role.js';
import { originSettings } from './user-data.js';

export interface AnycastStackProps {
  /** A validated config (parseConfig / loadConfig). */
  readonly config: AnycastConfig;
}

/**
 * The whole service: one accelerator with its listeners and the origins' role (global, through
 * the default provider in the home region), and per region (through one AWS provider alias per
 * region) a copy of the artifact, a network, an origin fleet and one endpoint group per listener.
 *
 * Terraform names are readable paths (`network_us_east_1_vpc`, `group_http_eu_central_1`)
 * instead of CDKTF's hashed ones, so the `synth:hcl` output reads like hand-written Terraform.
 */
export class AnycastStack extends TerraformStack {
  readonly config: AnycastConfig;
  readonly accelerator: Accelerator;
  readonly listeners: ReadonlyMap<string, Listener>;
  readonly endpointGroups: readonly EndpointGroup[];
  readonly fleets: ReadonlyMap<string, OriginFleet>;
  readonly artifact: OriginArtifact;
  /** Each region's copy of the artifact. */
  readonly artifactBuckets: ReadonlyMap<string, ArtifactBucket>;

  constructor(scope: Construct, id: string, props: AnycastStackProps) {
    super(scope, id);
    const c = props.config;
    this.config = c;
    const defaultTags = [{ tags: { ...c.tags } }];
    // State in infra/ (relative to cdktf.out/stacks/<stack>/, where cdktf and plain terraform run),
    // instead of CDKTF's default absolute path, so the synthesized code is not tied to this machine.
    new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });

    // gactl keeps its drain records (the weight before a drain, `gactl:drain:*`) in tags on the
    // accelerator; Terraform owns the tags and would delete them on the next deploy, mid-rollout.
    const ignoreTags = [{ keyPrefixes: [...IGNORED_TAG_PREFIXES] }];
    // The default provider: IAM and Global Accelerator are global.
    new AwsProvider(this, 'aws', { region: c.homeRegion, defaultTags, ignoreTags });
    const providers = new Map(c.regions.map((r) => [r.region, new AwsProvider(this, `aws-${r.region}`, { region: r.region, alias: regionIdentifier(r.region), defaultTags, ignoreTags })]));
    const providerOf = (region: string) => providers.get(region) as AwsProvider;

    // One copy of the artifact per region: private origins read it through their VPC's S3
    // gateway endpoint, which reaches only buckets of its own region.
    this.artifact = new OriginArtifact(this, 'artifact', { path: c.artifactPath });
    this.artifactBuckets = new Map(c.regions.map((r) => [r.region, new ArtifactBucket(this, `artifact-${r.region}`, { artifact: this.artifact, namePrefix: c.acceleratorName, provider: providerOf(r.region) })]));
    const role = new OriginRole(this, 'origin-role', { namePrefix: c.acceleratorName, artifacts: [...this.artifactBuckets.values()] });

    this.accelerator = new Accelerator(this, 'accelerator', {
      name: c.acceleratorName,
      ipAddressType: c.ipAddressType,
      ipAddresses: c.ipAddresses,
      flowLogs: c.flowLogs,
    });
    const listeners = new Map<string, Listener>();
    for (const l of c.listeners) {
      listeners.set(l.name, new Listener(this, `listener-${l.name}`, { accelerator: this.accelerator, ...l }));
    }
    this.listeners = listeners;

    const groups: EndpointGroup[] = [];
    const fleets = new Map<string, OriginFleet>();
    for (const r of c.regions) {
      const provider = providerOf(r.region);
      const artifact = this.artifactBuckets.get(r.region) as ArtifactBucket;
      const name = `${c.acceleratorName}-${r.region}`;
      const network = new OriginNetwork(this, `network-${r.region}`, { provider, name, region: r, listeners: c.listeners, artifact, image: ORIGIN_IMAGE });
      const fleet = new OriginFleet(this, `fleet-${r.region}`, {
        provider, name, region: r, network, role, artifact, origin: originSettings(c.listeners, r), image: ORIGIN_IMAGE,
      });
      fleets.set(r.region, fleet);
      for (const l of c.listeners) {
        groups.push(new EndpointGroup(this, endpointGroupId(l.name, r.region), { listener: listeners.get(l.name) as Listener, region: r, fleet }));
      }
    }
    this.endpointGroups = groups;
    this.fleets = fleets;

    this.outputs(c);
  }

  private outputs(c: AnycastConfig): void {
    const acc = this.accelerator;
    new TerraformOutput(this, 'anycast_ips', { value: acc.ipAddresses, description: 'The anycast IP addresses of the accelerator (every IP set)' });
    new TerraformOutput(this, 'dns_name', { value: acc.dnsName, description: 'The accelerator DNS name (resolves to the anycast IPv4 addresses)' });
    if (c.ipAddressType === 'DUAL_STACK') {
      new TerraformOutput(this, 'dual_stack_dns_name', { value: acc.resource.dualStackDnsName, description: 'The accelerator dual-stack DNS name (A and AAAA)' });
    }
    // [for val in ip_sets : val.ip_addresses if val.ip_family == "IPv4"], flattened
    const ipSets = TerraformIterator.fromList(acc.resource.ipSets);
    const ipv4 = Token.asList(Fn.flatten(ipSets.forExpressionForList('val.ip_addresses if val.ip_family == "IPv4"')));
    new TerraformOutput(this, 'test_commands', {
      value: Fn.concat(testCommandFormats(c.listeners).map((f) => Fn.formatlist(f, [ipv4]))),
      description: "The seed's checks against every anycast IPv4 address: which origins answer, counted",
    });
    new TerraformOutput(this, 'accelerator_arn', { value: acc.arn, description: 'The accelerator (gactl --accelerator, npm run rollout)' });
    new TerraformOutput(this, 'origins', {
      value: Object.fromEntries([...this.fleets].map(([region, fleet]) => {
        const a = this.artifactBuckets.get(region) as ArtifactBucket;
        return [region, {
          instances: fleet.instances.map((i) => ({ id: i.id, address: `aws_instance.${i.friendlyUniqueId}` })),
          artifact: { bucket: a.bucket.id, key: a.key, version_id: a.versionId, sha256: this.artifact.sha256 },
        }];
      })),
      description: 'Per region: the origin instances (id, Terraform address) and the artifact version they install (what npm run rollout reads)',
    });
    new TerraformOutput(this, 'instance_ids', {
      value: Object.fromEntries([...this.fleets].map(([region, fleet]) => [region, fleet.instances.map((i) => i.id)])),
      description: 'Origin instances per region (shell: aws ssm start-session --region <region> --target <id>)',
    });
  }

  /** Readable Terraform names: the construct path under the stack, `_`-joined, minus a trailing `resource`. */
  protected override allocateLogicalId(tfElement: TerraformElement | Node): string {
    const node = TerraformElement.isTerraformElement(tfElement) ? tfElement.node : tfElement;
    const path = node.scopes.slice(node.scopes.indexOf(this) + 1).map((s) => s.node.id);
    if (path.length > 1 && path[path.length - 1] === 'resource') path.pop();
    return path.join('_').replace(/[^A-Za-z0-9_]/g, '_');
  }
}

/**
 * The seed's loops, one format string per listener kind (%s = an anycast IPv4 address):
 * 100 requests, answers counted by origin.
 */
export function testCommandFormats(listeners: readonly ListenerConfig[]): string[] {
  const formats: string[] = [];
  const http = listeners.find((l) => l.serves === 'http');
  if (http) {
    const url = http.port === 80 ? 'http://%s/' : `http://%s:${http.port}/`;
    formats.push(`for i in {1..100}; do curl -s -q ${url}; done | sort -n | uniq -c | sort -rn`);
  }
  for (const proto of ['UDP', 'TCP'] as const) {
    const dns = listeners.find((l) => l.serves === 'dns' && l.protocol === proto);
    if (!dns) continue;
    const flags = `${dns.port === 53 ? '' : ` -p ${dns.port}`}${proto === 'TCP' ? ' +tcp' : ''}`;
    formats.push(`for i in {1..100}; do dig @%s${flags} id.server txt ch +short; done | sort | uniq -c | sort -rn`);
  }
  return formats;
}

/** `us-east-1` -> `us_east_1`: a region as a Terraform identifier (provider alias, resource names). */
export function regionIdentifier(region: string): string {
  return region.replace(/-/g, '_');
}

/** Tag key prefixes the AWS providers leave alone: gactl's (its README: `ignore_tags { key_prefixes = ["gactl:"] }`). */
export const IGNORED_TAG_PREFIXES = Object.freeze(['gactl:']);

function endpointGroupId(listener: string, region: string): string {
  return `group-${listener}-${region}`;
}

/** The Terraform address of a listener's endpoint group in a region (`aws_globalaccelerator_endpoint_group.group_http_us_east_1`). */
export function endpointGroupAddress(listener: string, region: string): string {
  return `aws_globalaccelerator_endpoint_group.${endpointGroupId(listener, region).replace(/[^A-Za-z0-9_]/g, '_')}`;
}
