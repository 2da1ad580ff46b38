import t from 'tap';
import { DEFAULT_REGIONS } from '@anycast-origin/config';
import { DRAIN_TAG_PREFIX, drainTagKey } from '@anycast-origin/gactl';
import { endpointGroupAddress, IGNORED_TAG_PREFIXES, testCommandFormats } from '../src/anycast-stack.js';
import { EC2_SERVICE_PRINCIPAL } from '../src/origin-role.js';
import { dataSources, ref, resourceCounts, resources, synthConfig, testConfig } from './fixtures/synth.js';
import type { Json } from './fixtures/synth.js';

// Synthesize each config once; every assertion below reads the shared JSON.
const byDefault = synthConfig({});
const oneRegion = synthConfig({ regions: [{ region: 'eu-central-1', instanceCount: 3, trafficDial: 50, weight: [200, 100, 0] }] });
const SIX = ['us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-1', 'ap-southeast-2', 'sa-east-1'];
const sixRegions = synthConfig({ regions: SIX });

const regionId = (r: string) => r.replace(/-/g, '_');

t.test('default config: the seed service, four regions x two instances', async (t) => {
  // GIVEN the default config WHEN synthesized
  const { json } = byDefault;
  t.test('THEN resource counts match 4 regions, 2 instances each, 3 listeners', async (t) => {
    t.same(resourceCounts(json), {
      aws_globalaccelerator_accelerator: 1,
      aws_globalaccelerator_listener: 3,
      aws_globalaccelerator_endpoint_group: 12,
      aws_instance: 8,
      aws_vpc: 4,
      aws_subnet: 8,
      aws_internet_gateway: 4,
      aws_route_table: 4,
      aws_route_table_association: 8,
      aws_vpc_endpoint: 4,
      aws_default_security_group: 4,
      aws_security_group: 4,
      aws_vpc_security_group_ingress_rule: 12,
      aws_vpc_security_group_egress_rule: 4,
      aws_s3_bucket: 4,
      aws_s3_bucket_public_access_block: 4,
      aws_s3_bucket_ownership_controls: 4,
      aws_s3_bucket_versioning: 4,
      aws_s3_bucket_server_side_encryption_configuration: 4,
      aws_s3_bucket_policy: 4,
      aws_s3_object: 4,
      aws_iam_role: 1,
      aws_iam_role_policy: 1,
      aws_iam_role_policy_attachment: 1,
      aws_iam_instance_profile: 1,
    });
  });

  t.test('THEN one default provider in the home region and one alias per region', async (t) => {
    const providers = json.provider.aws as Json[];
    t.equal(providers.length, 5);
    t.same(providers.filter((p) => !p.alias).map((p) => p.region), ['us-west-2']);
    t.same(providers.filter((p) => p.alias).map((p) => [p.alias, p.region]), DEFAULT_REGIONS.map((r) => [regionId(r), r]));
    for (const p of providers) t.same(p.default_tags, [{ tags: { project: 'anycast-origin', 'managed-by': 'cdktf' } }]);
  });

  t.test('THEN every provider leaves gactl\'s tags alone: a deploy keeps the drain records a rollout (gactl drain) writes on the accelerator', async (t) => {
    for (const p of json.provider.aws as Json[]) t.same(p.ignore_tags, [{ key_prefixes: ['gactl:'] }], String(p.alias ?? 'default'));
    t.ok(IGNORED_TAG_PREFIXES.some((prefix) => DRAIN_TAG_PREFIX.startsWith(prefix)), `gactl's drain tags (${DRAIN_TAG_PREFIX}*) are under an ignored prefix`);
    t.ok(drainTagKey({ endpointId: 'i-0123456789abcdef0' }).startsWith('gactl:'));
  });

  t.test('THEN one IPV4 accelerator with flow logs off', async (t) => {
    const acc = resources(json, 'aws_globalaccelerator_accelerator').accelerator as Json;
    t.match(acc, { name: 'anycast-origin', ip_address_type: 'IPV4', enabled: true, attributes: { flow_logs_enabled: false } });
    t.notOk('ip_addresses' in acc, 'no BYOIP addresses unless configured');
  });

  t.test('THEN listeners TCP 80, UDP 53, TCP 53 with client affinity NONE', async (t) => {
    const listeners = resources(json, 'aws_globalaccelerator_listener');
    t.same(
      ['listener_http', 'listener_dns_udp', 'listener_dns_tcp'].map((name) => [name, listeners[name]?.protocol, listeners[name]?.port_range, listeners[name]?.client_affinity, listeners[name]?.accelerator_arn]),
      [
        ['listener_http', 'TCP', [{ from_port: 80, to_port: 80 }], 'NONE', ref('aws_globalaccelerator_accelerator', 'accelerator')],
        ['listener_dns_udp', 'UDP', [{ from_port: 53, to_port: 53 }], 'NONE', ref('aws_globalaccelerator_accelerator', 'accelerator')],
        ['listener_dns_tcp', 'TCP', [{ from_port: 53, to_port: 53 }], 'NONE', ref('aws_globalaccelerator_accelerator', 'accelerator')],
      ],
    );
  });

  t.test('THEN each endpoint group has an explicit region, dial 100, its listener\'s health check (HTTP /healthz on 80 for http, TCP 53 for DNS), both instances at weight 128 with client IP preservation', async (t) => {
    const groups = resources(json, 'aws_globalaccelerator_endpoint_group');
    const checks: Record<string, Json> = {
      http: { health_check_protocol: 'HTTP', health_check_port: 80, health_check_path: '/healthz' },
      dns_udp: { health_check_protocol: 'TCP', health_check_port: 53 },
      dns_tcp: { health_check_protocol: 'TCP', health_check_port: 53 },
    };
    for (const [listener, check] of Object.entries(checks)) {
      for (const region of DEFAULT_REGIONS) {
        const name = `group_${listener}_${regionId(region)}`;
        const g = groups[name];
        t.ok(g, `${name} exists`);
        t.match(g, {
          listener_arn: ref('aws_globalaccelerator_listener', `listener_${listener}`),
          endpoint_group_region: region,
          traffic_dial_percentage: 100,
          ...check,
          health_check_interval_seconds: 10,
          threshold_count: 3,
        }, name);
        if (check.health_check_protocol === 'TCP') t.notOk(g && 'health_check_path' in g, `${name}: no path on a TCP check`);
        t.same(g?.endpoint_configuration, [1, 2].map((i) => ({
          endpoint_id: ref('aws_instance', `fleet_${regionId(region)}_origin_${i}`),
          weight: 128,
          client_ip_preservation_enabled: true,
        })), `${name} endpoints`);
        t.notOk(g?.provider, 'GA resources use the default provider; the region is in endpoint_group_region');
      }
    }
  });

  t.test('THEN each region has a VPC with two private subnets in two zones, instances spread across them, and no route out but S3\'s', async (t) => {
    for (const region of DEFAULT_REGIONS) {
      const id = regionId(region);
      const subnets = [1, 2].map((i) => resources(json, 'aws_subnet')[`network_${id}_subnet_${i}`] as Json);
      t.same(subnets.map((s) => s.cidr_block), ['10.0.0.0/20', '10.0.16.0/20']);
      t.same(subnets.map((s) => s.provider), [`aws.${id}`, `aws.${id}`]);
      t.not(subnets[0]?.availability_zone, subnets[1]?.availability_zone, 'two different zones');
      t.match(subnets[0]?.availability_zone, /element\(sort\(setintersection\(data\.aws_availability_zones\.network_\w+_zones\.names, data\.aws_ec2_instance_type_offerings\.network_\w+_offerings\.locations\)\), 0\)/);
      t.match(dataSources(json, 'aws_ec2_instance_type_offerings')[`network_${id}_offerings`], { location_type: 'availability-zone', filter: [{ name: 'instance-type', values: ['t3.micro'] }] });
      const instances = [1, 2].map((i) => resources(json, 'aws_instance')[`fleet_${id}_origin_${i}`] as Json);
      t.same(instances.map((i) => i.subnet_id), [ref('aws_subnet', `network_${id}_subnet_1`), ref('aws_subnet', `network_${id}_subnet_2`)]);
      const routes = resources(json, 'aws_route_table')[`network_${id}_routes`] as Json;
      t.same(routes.route, [], 'no route to the internet gateway');
      t.ok(resources(json, 'aws_internet_gateway')[`network_${id}_igw`], 'the gateway itself stays: Global Accelerator needs one attached');
      t.match(resources(json, 'aws_vpc_endpoint')[`network_${id}_s3`], { service_name: `com.amazonaws.${region}.s3`, vpc_endpoint_type: 'Gateway', route_table_ids: [ref('aws_route_table', `network_${id}_routes`)] });
      t.equal(resources(json, 'aws_vpc')[`network_${id}_vpc`]?.cidr_block, '10.0.0.0/16');
    }
  });

  t.test('THEN instances run Debian 13 for their architecture, t3.micro, with the instance profile and boot script', async (t) => {
    for (const [name, i] of Object.entries(resources(json, 'aws_instance'))) {
      const region = name.replace(/^fleet_(.*)_origin_\d+$/, '$1');
      t.equal(i.ami, `\${data.aws_ssm_parameter.fleet_${region}_ami.insecure_value}`);
      t.equal(i.instance_type, 't3.micro');
      t.equal(i.iam_instance_profile, ref('aws_iam_instance_profile', 'origin_role_profile', 'name'));
      t.notOk(i.user_data_replace_on_change, 'a new artifact is a rollout, not a replacement');
      t.match(i.user_data, /^# anycast-origin bootstrap \(Debian 13\)/m);
      t.match(i.user_data, /\nif ! command -v aws >\/dev\/null 2>&1 \|\| ! command -v curl >\/dev\/null 2>&1; then\n {2}retry apt-get update\n/, 'apt-get only for what the image lacks');
      t.notMatch(i.user_data, /dnf|amazon-ssm-agent/, 'no dnf; no SSM Agent where SSM is not reachable');
      t.same(i.lifecycle, { create_before_destroy: true, ignore_changes: ['ami', 'user_data'] });
      t.equal(i.associate_public_ip_address, false);
      t.notOk(i.key_name, 'no key pair: shell through SSM');
    }
    for (const p of Object.values(dataSources(json, 'aws_ssm_parameter'))) {
      t.equal(p.name, '/aws/service/debian/release/13/latest/amd64');
    }
  });

  t.test('THEN each region\'s bucket holds the artifact (a gateway endpoint reaches only its own region\'s buckets), in that region', async (t) => {
    const key = resources(json, 'aws_s3_object').artifact_us_east_1_object?.key as string;
    t.match(key, /^anycast-origin\/[0-9a-f]{16}\/anycast-origin-linux\.tar\.gz$/);
    for (const region of DEFAULT_REGIONS) {
      const id = regionId(region);
      t.match(resources(json, 'aws_s3_object')[`artifact_${id}_object`], { key, bucket: ref('aws_s3_bucket', `artifact_${id}_bucket`), provider: `aws.${id}` });
      t.match(resources(json, 'aws_s3_bucket')[`artifact_${id}_bucket`], { bucket_prefix: 'anycast-origin-', provider: `aws.${id}` });
    }
    t.equal(Object.keys(json.resource.aws_s3_object).length, 4);
  });

  t.test('THEN the instance role can use SSM and read only the artifact objects', async (t) => {
    t.equal(resources(json, 'aws_iam_role_policy_attachment').origin_role_ssm?.policy_arn, 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore');
    const policy = resources(json, 'aws_iam_role_policy').origin_role_read_artifact?.policy as string;
    const key = resources(json, 'aws_s3_object').artifact_us_east_1_object?.key as string;
    t.match(policy, /"Action" = \["s3:GetObject", "s3:GetObjectVersion"\]/);
    t.ok(policy.includes(`"Resource" = [${DEFAULT_REGIONS.map((r) => `"\${aws_s3_bucket.artifact_${regionId(r)}_bucket.arn}/${key}"`).join(', ')}]`), 'the objects, not the buckets or a wildcard');
    t.notMatch(policy, /\*/, 'no wildcard');
    const assume = JSON.parse(resources(json, 'aws_iam_role').origin_role_role?.assume_role_policy as string) as Json;
    t.same(assume.Statement, [{ Effect: 'Allow', Principal: { Service: EC2_SERVICE_PRINCIPAL }, Action: 'sts:AssumeRole' }]);
  });

  t.test('THEN each boot script installs its region\'s copy, exactly the uploaded version, checked against its SHA-256', async (t) => {
    const key = resources(json, 'aws_s3_object').artifact_us_east_1_object?.key as string;
    const sha = resources(json, 'aws_s3_object').artifact_us_east_1_object?.source_hash as string;
    for (const region of DEFAULT_REGIONS) {
      const id = regionId(region);
      const userData = resources(json, 'aws_instance')[`fleet_${id}_origin_1`]?.user_data as string;
      t.ok(userData.endsWith(`/usr/local/sbin/anycast-origin-install "\${aws_s3_bucket.artifact_${id}_bucket.id}" "${key}" "\${aws_s3_object.artifact_${id}_object.version_id}" "${sha}" "${region}"\n`), region);
    }
  });

  t.test('THEN an instance boots only after its artifact, the role\'s policy and profile, its routes, endpoint and egress rules exist', async (t) => {
    for (const region of DEFAULT_REGIONS) {
      const id = regionId(region);
      t.same(resources(json, 'aws_instance')[`fleet_${id}_origin_2`]?.depends_on, [
        `aws_s3_object.artifact_${id}_object`,
        'aws_iam_role_policy.origin_role_read_artifact', 'aws_iam_role_policy_attachment.origin_role_ssm', 'aws_iam_instance_profile.origin_role_profile',
        `aws_route_table_association.network_${id}_routes_1`, `aws_route_table_association.network_${id}_routes_2`,
        `aws_vpc_endpoint.network_${id}_s3`, `aws_vpc_security_group_egress_rule.network_${id}_out_https_s3`,
      ]);
    }
  });

  t.test('THEN every instance\'s env file drains 40 s (10 s x 3 + 10 s) and leaves DNS rate limiting on (client IPs are preserved)', async (t) => {
    for (const [name, i] of Object.entries(resources(json, 'aws_instance'))) {
      t.match(i.user_data, /<<'ENV'\nORIGIN_DRAIN_SECONDS=40\nENV\n/, name);
      t.notMatch(i.user_data, /ORIGIN_DNS_RRL/, name);
    }
  });

  t.test('THEN the outputs give the anycast IPs, the DNS name and the seed\'s test loops', async (t) => {
    t.same(Object.keys(json.output).sort(), ['accelerator_arn', 'anycast_ips', 'dns_name', 'instance_ids', 'origins', 'test_commands']);
    t.equal(json.output.accelerator_arn.value, ref('aws_globalaccelerator_accelerator', 'accelerator'));
    t.equal(json.output.anycast_ips.value, '${flatten(aws_globalaccelerator_accelerator.accelerator.ip_sets[*].ip_addresses)}');
    t.equal(json.output.dns_name.value, ref('aws_globalaccelerator_accelerator', 'accelerator', 'dns_name'));
    const commands = json.output.test_commands.value as string;
    t.ok(commands.includes('formatlist(\\"for i in {1..100}; do curl -s -q http://%s/; done | sort -n | uniq -c | sort -rn\\"') ||
      commands.includes('formatlist("for i in {1..100}; do curl -s -q http://%s/; done | sort -n | uniq -c | sort -rn"'), 'curl loop');
    t.match(commands, /dig @%s id\.server txt ch \+short; done \| sort \| uniq -c \| sort -rn/);
    t.match(commands, /dig @%s \+tcp id\.server txt ch \+short/);
    t.match(commands, /val\.ip_addresses if val\.ip_family == \\?"IPv4\\?"/, 'IPv4 addresses only (curl http://%s/ needs no brackets)');
    t.same(Object.keys(json.output.instance_ids.value), DEFAULT_REGIONS.slice().sort());
  });

  t.test('THEN the origins output gives a rollout each region\'s instances (id and Terraform address) and artifact version', async (t) => {
    const origins = json.output.origins.value as Json;
    t.same(Object.keys(origins).sort(), DEFAULT_REGIONS.slice().sort());
    const key = resources(json, 'aws_s3_object').artifact_us_east_1_object?.key as string;
    const sha = resources(json, 'aws_s3_object').artifact_us_east_1_object?.source_hash as string;
    t.same(origins['eu-central-1'], {
      instances: [1, 2].map((i) => ({ id: ref('aws_instance', `fleet_eu_central_1_origin_${i}`), address: `aws_instance.fleet_eu_central_1_origin_${i}` })),
      artifact: { bucket: ref('aws_s3_bucket', 'artifact_eu_central_1_bucket'), key, version_id: ref('aws_s3_object', 'artifact_eu_central_1_object', 'version_id'), sha256: sha },
    });
  });

  t.test('THEN the state lives in infra/, not at an absolute path of this machine', async (t) => {
    t.same(json.terraform.backend, { local: { path: '../../../terraform.anycast-origin.tfstate' } });
  });
});

t.test('one-region config', async (t) => {
  // GIVEN only eu-central-1 with 3 instances, dial 50 and per-instance weights WHEN synthesized
  const { json } = oneRegion;
  t.test('THEN one region\'s worth of resources', async (t) => {
    t.match(resourceCounts(json), {
      aws_globalaccelerator_accelerator: 1,
      aws_globalaccelerator_listener: 3,
      aws_globalaccelerator_endpoint_group: 3,
      aws_instance: 3,
      aws_vpc: 1,
      aws_subnet: 2,
      aws_vpc_security_group_ingress_rule: 3,
    });
    t.equal((json.provider.aws as Json[]).length, 2);
  });
  t.test('THEN its groups carry the dial and the weights, in instance order', async (t) => {
    for (const listener of ['http', 'dns_udp', 'dns_tcp']) {
      const g = resources(json, 'aws_globalaccelerator_endpoint_group')[`group_${listener}_eu_central_1`] as Json;
      t.equal(g.endpoint_group_region, 'eu-central-1');
      t.equal(g.traffic_dial_percentage, 50);
      t.same((g.endpoint_configuration as Json[]).map((e) => [e.endpoint_id, e.weight, e.client_ip_preservation_enabled]), [
        [ref('aws_instance', 'fleet_eu_central_1_origin_1'), 200, true],
        [ref('aws_instance', 'fleet_eu_central_1_origin_2'), 100, true],
        [ref('aws_instance', 'fleet_eu_central_1_origin_3'), 0, true],
      ]);
    }
  });
  t.test('THEN three instances alternate between the two subnets', async (t) => {
    t.same(Object.values(resources(json, 'aws_instance')).map((i) => i.subnet_id), [1, 2, 1].map((n) => ref('aws_subnet', `network_eu_central_1_subnet_${n}`)));
  });
});

t.test('six-region config', async (t) => {
  // GIVEN six regions (the seed plus ap-southeast-2 for the Australian probes, and sa-east-1) WHEN synthesized
  const { json } = sixRegions;
  t.test('THEN 6 x 3 = 18 endpoint groups, 12 instances, 6 networks, 6 provider aliases', async (t) => {
    t.match(resourceCounts(json), {
      aws_globalaccelerator_endpoint_group: 18,
      aws_instance: 12,
      aws_vpc: 6,
      aws_subnet: 12,
      aws_default_security_group: 6,
      aws_security_group: 6,
    });
    t.same((json.provider.aws as Json[]).filter((p) => p.alias).map((p) => p.region), SIX);
  });
  t.test('THEN every group names its own region and its region\'s instances', async (t) => {
    const groups = resources(json, 'aws_globalaccelerator_endpoint_group');
    for (const region of SIX) {
      for (const listener of ['http', 'dns_udp', 'dns_tcp']) {
        const g = groups[`group_${listener}_${regionId(region)}`] as Json;
        t.equal(g.endpoint_group_region, region);
        t.ok((g.endpoint_configuration as Json[]).every((e) => String(e.endpoint_id).startsWith(`\${aws_instance.fleet_${regionId(region)}_`)));
      }
    }
  });
});

t.test('per-region overrides and options', async (t) => {
  t.test('GIVEN a Graviton type, a TCP health check on the http listener, explicit zones, another CIDR WHEN synthesized THEN they reach the resources', async (t) => {
    const { json } = synthConfig({
      listeners: [
        { name: 'http', protocol: 'TCP', port: 80, serves: 'http', healthCheck: { protocol: 'TCP', port: 53, intervalSeconds: 30, thresholdCount: 2 } },
        { name: 'dns-udp', protocol: 'UDP', port: 53, serves: 'dns' },
        { name: 'dns-tcp', protocol: 'TCP', port: 53, serves: 'dns' },
      ],
      regions: [{
        region: 'us-east-1',
        instanceType: 't4g.small',
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        vpcCidr: '172.20.0.0/20',
      }],
    });
    t.equal(dataSources(json, 'aws_ssm_parameter').fleet_us_east_1_ami?.name, '/aws/service/debian/release/13/latest/arm64');
    t.same(Object.values(resources(json, 'aws_subnet')).map((s) => [s.availability_zone, s.cidr_block]), [['us-east-1a', '172.20.0.0/24'], ['us-east-1b', '172.20.1.0/24']]);
    t.same(dataSources(json, 'aws_ec2_instance_type_offerings'), {}, 'no zone lookup when zones are given');
    const g = resources(json, 'aws_globalaccelerator_endpoint_group').group_http_us_east_1 as Json;
    t.match(g, { health_check_protocol: 'TCP', health_check_port: 53, health_check_interval_seconds: 30, threshold_count: 2 });
    t.notOk('health_check_path' in g, 'no path on a TCP check');
    const user = resources(json, 'aws_instance').fleet_us_east_1_origin_1?.user_data as string;
    t.match(user, /ORIGIN_DRAIN_SECONDS=90\n/, 'the longest group\'s check: 30 s x 2 + 30 s');
  });

  t.test('GIVEN a region whose endpoints do not preserve client IPs WHEN synthesized THEN its endpoints say so and its origins turn DNS rate limiting off; other regions keep it', async (t) => {
    const { json } = synthConfig({ regions: ['us-east-1', { region: 'eu-central-1', clientIpPreservation: false }] });
    const groups = resources(json, 'aws_globalaccelerator_endpoint_group');
    for (const l of ['http', 'dns_udp', 'dns_tcp']) {
      t.same((groups[`group_${l}_eu_central_1`]?.endpoint_configuration as Json[]).map((e) => e.client_ip_preservation_enabled), [false, false]);
      t.same((groups[`group_${l}_us_east_1`]?.endpoint_configuration as Json[]).map((e) => e.client_ip_preservation_enabled), [true, true]);
    }
    const instances = resources(json, 'aws_instance');
    for (const i of [1, 2]) {
      t.match(instances[`fleet_eu_central_1_origin_${i}`]?.user_data, /<<'ENV'\nORIGIN_DRAIN_SECONDS=40\nORIGIN_DNS_RRL=off\nENV\n/);
      t.notMatch(instances[`fleet_us_east_1_origin_${i}`]?.user_data, /ORIGIN_DNS_RRL/);
    }
  });

  t.test('GIVEN DUAL_STACK with IPv6 VPCs and public origins WHEN synthesized THEN the VPCs, subnets, routes, rules and instances get IPv6', async (t) => {
    const { json } = synthConfig({ ipAddressType: 'DUAL_STACK', defaults: { ipv6: true, publicIp: true }, regions: ['us-west-2'] });
    t.equal(resources(json, 'aws_globalaccelerator_accelerator').accelerator?.ip_address_type, 'DUAL_STACK');
    t.equal(resources(json, 'aws_vpc').network_us_west_2_vpc?.assign_generated_ipv6_cidr_block, true);
    const subnet = resources(json, 'aws_subnet').network_us_west_2_subnet_2 as Json;
    t.equal(subnet.ipv6_cidr_block, '${cidrsubnet(aws_vpc.network_us_west_2_vpc.ipv6_cidr_block, 8, 1)}');
    t.equal(subnet.assign_ipv6_address_on_creation, true);
    t.match(resources(json, 'aws_route_table').network_us_west_2_routes?.route, [{ cidr_block: '0.0.0.0/0' }, { ipv6_cidr_block: '::/0' }]);
    t.equal(Object.values(resources(json, 'aws_vpc_security_group_ingress_rule')).filter((r) => r.cidr_ipv6 === '::/0').length, 3);
    t.equal(Object.values(resources(json, 'aws_vpc_security_group_egress_rule')).filter((r) => r.cidr_ipv6 === '::/0').length, 1);
    t.ok(Object.values(resources(json, 'aws_instance')).every((i) => i.ipv6_address_count === 1 && i.associate_public_ip_address === true));
    t.equal(json.output.dual_stack_dns_name.value, ref('aws_globalaccelerator_accelerator', 'accelerator', 'dual_stack_dns_name'));
  });

  t.test('GIVEN BYOIP addresses, SOURCE_IP affinity and a listener override WHEN synthesized THEN the accelerator and listeners carry them', async (t) => {
    const { json } = synthConfig({
      ipAddresses: ['198.51.100.10', '203.0.113.20'],
      clientAffinity: 'SOURCE_IP',
      listeners: [
        { name: 'web', protocol: 'TCP', port: 8080, serves: 'http' },
        { name: 'dns', protocol: 'UDP', port: 5353, serves: 'dns', clientAffinity: 'NONE' },
      ],
      regions: ['us-east-1'],
    });
    t.same(resources(json, 'aws_globalaccelerator_accelerator').accelerator?.ip_addresses, ['198.51.100.10', '203.0.113.20']);
    const listeners = resources(json, 'aws_globalaccelerator_listener');
    t.same(['listener_web', 'listener_dns'].map((n) => [listeners[n]?.protocol, listeners[n]?.port_range[0].from_port, listeners[n]?.client_affinity]), [['TCP', 8080, 'SOURCE_IP'], ['UDP', 5353, 'NONE']]);
    t.equal(resources(json, 'aws_globalaccelerator_endpoint_group').group_dns_us_east_1?.health_check_port, 8080, 'no DNS TCP listener to check: the HTTP origin on its listener port');
    t.match(json.output.test_commands.value, /curl -s -q http:\/\/%s:8080\//);
    t.match(json.output.test_commands.value, /dig @%s -p 5353 id\.server/);
  });
});

t.test('changing the listeners', async (t) => {
  // GIVEN the default config WHEN dns-udp is removed and an http listener on 8080 added
  const before = byDefault.json;
  const after = synthConfig({
    listeners: [
      { name: 'http', protocol: 'TCP', port: 80, serves: 'http' },
      { name: 'dns-tcp', protocol: 'TCP', port: 53, serves: 'dns' },
      { name: 'http-alt', protocol: 'TCP', port: 8080, serves: 'http' },
    ],
  }).json;
  t.test('THEN every security group is the same resource with the same attributes: nothing forces a replacement', async (t) => {
    t.same(resources(after, 'aws_security_group'), resources(before, 'aws_security_group'));
    for (const [name, sg] of Object.entries(resources(after, 'aws_security_group'))) {
      t.notOk('name' in sg, `${name}: no fixed name (a replacement would collide with InvalidGroup.Duplicate)`);
      t.match(sg.name_prefix, /^anycast-origin-[a-z0-9-]+-origin-$/);
      t.equal(sg.description, 'anycast origin: the listener ports in (one rule each), HTTPS out', `${name}: a description that names no port`);
      t.same(sg.lifecycle, { create_before_destroy: true });
    }
  });
  t.test('THEN the instances are unchanged (no replacement either)', async (t) => {
    t.same(resources(after, 'aws_instance'), resources(before, 'aws_instance'));
  });
  t.test('THEN only the rules of the removed and added listeners come and go; the others keep their names and attributes', async (t) => {
    const was = resources(before, 'aws_vpc_security_group_ingress_rule');
    const is = resources(after, 'aws_vpc_security_group_ingress_rule');
    const gone = Object.keys(was).filter((n) => !(n in is));
    const added = Object.keys(is).filter((n) => !(n in was));
    t.same(gone.sort(), DEFAULT_REGIONS.map((r) => `network_${regionId(r)}_in-udp-53-ipv4`.replace(/-/g, '_')).sort());
    t.same(added.sort(), DEFAULT_REGIONS.map((r) => `network_${regionId(r)}_in-tcp-8080-ipv4`.replace(/-/g, '_')).sort());
    for (const n of Object.keys(is).filter((x) => x in was)) t.same(is[n], was[n], `${n} unchanged`);
  });
});

t.test('endpointGroupAddress names the groups as the synthesized Terraform does (what a rollout targets)', async (t) => {
  const names = Object.keys(resources(byDefault.json, 'aws_globalaccelerator_endpoint_group')).map((n) => `aws_globalaccelerator_endpoint_group.${n}`);
  const expected = ['http', 'dns-udp', 'dns-tcp'].flatMap((l) => DEFAULT_REGIONS.map((r) => endpointGroupAddress(l, r)));
  t.same(expected.sort(), names.sort());
});

t.test('testCommandFormats', async (t) => {
  t.test('GIVEN no http listener THEN no curl loop', async (t) => {
    const { listeners } = testConfig({ listeners: [{ name: 'dns', protocol: 'UDP', port: 53, serves: 'dns' }, { name: 'check', protocol: 'TCP', port: 53, serves: 'dns' }] });
    t.same(testCommandFormats(listeners), [
      'for i in {1..100}; do dig @%s id.server txt ch +short; done | sort | uniq -c | sort -rn',
      'for i in {1..100}; do dig @%s +tcp id.server txt ch +short; done | sort | uniq -c | sort -rn',
    ]);
  });
});

t.test('scanner rules, mirrored on the synthesized Terraform (checkov ids)', async (t) => {
  const { json } = byDefault;
  const instances = Object.values(resources(json, 'aws_instance'));
  const ingress = Object.values(resources(json, 'aws_vpc_security_group_ingress_rule'));
  const egress = Object.values(resources(json, 'aws_vpc_security_group_egress_rule'));

  t.test('CKV_AWS_79: every instance requires IMDSv2 tokens, hop limit 1', async (t) => {
    for (const i of instances) t.same(i.metadata_options, { http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 });
  });
  t.test('CKV_AWS_8: every root volume is encrypted gp3', async (t) => {
    for (const i of instances) t.same(i.root_block_device, { encrypted: true, volume_type: 'gp3', delete_on_termination: true });
    t.notOk(instances.some((i) => i.ebs_block_device), 'no other volumes');
  });
  t.test('CKV_AWS_126: detailed monitoring on every instance', async (t) => {
    for (const i of instances) t.equal(i.monitoring, true);
  });
  t.test('CKV_AWS_135: EBS-optimized wherever the region\'s instance type supports it (a type that does not fails the launch with ebs_optimized = true)', async (t) => {
    for (const [name, i] of Object.entries(resources(json, 'aws_instance'))) {
      const region = name.replace(/^fleet_(.*)_origin_\d+$/, '$1');
      t.equal(i.ebs_optimized, `\${(data.aws_ec2_instance_type.fleet_${region}_type.ebs_optimized_support != "unsupported")}`, name);
      t.same(dataSources(json, 'aws_ec2_instance_type')[`fleet_${region}_type`], { provider: `aws.${region}`, instance_type: 't3.micro' });
    }
  });
  t.test('CKV_AWS_24 / CKV_AWS_25: no ingress from anywhere to 22 or 3389', async (t) => {
    const covers = (r: Json, port: number) => r.ip_protocol === '-1' || (r.from_port <= port && port <= r.to_port);
    for (const port of [22, 3389]) t.notOk(ingress.some((r) => covers(r, port)), `port ${port} closed`);
    t.same(resources(json, 'aws_security_group').network_us_east_1_origin_sg?.ingress, undefined, 'no inline rules to overlook');
  });
  t.test('no all-protocol ingress or egress (ip_protocol -1)', async (t) => {
    t.notOk([...ingress, ...egress].some((r) => r.ip_protocol === '-1' || r.ip_protocol === 'all'));
  });
  t.test('CKV2_AWS_12: every VPC\'s default security group restricts all traffic', async (t) => {
    const defaults = resources(json, 'aws_default_security_group');
    t.equal(Object.keys(defaults).length, 4);
    for (const [name, sg] of Object.entries(defaults)) {
      t.same([sg.ingress, sg.egress], [[], []], `${name} has no rules`);
      t.match(sg.vpc_id, /^\$\{aws_vpc\.network_\w+_vpc\.id\}$/);
    }
  });
  t.test('CKV_AWS_75: flow logs are on when configured', async (t) => {
    // Off by default (a cost and an S3 bucket policy to set up): the default config leaves them off...
    t.equal(resources(json, 'aws_globalaccelerator_accelerator').accelerator?.attributes.flow_logs_enabled, false);
    // ...and a config that names a bucket turns them on, with bucket and prefix.
    const withLogs = synthConfig({ flowLogs: { s3Bucket: 'my-ga-flow-logs', s3Prefix: 'anycast/' }, regions: ['us-east-1'] }).json;
    t.same(resources(withLogs, 'aws_globalaccelerator_accelerator').accelerator?.attributes, { flow_logs_enabled: true, flow_logs_s3_bucket: 'my-ga-flow-logs', flow_logs_s3_prefix: 'anycast/' });
  });
  t.test('private artifact buckets: CKV_AWS_53..56 public access blocked, CKV_AWS_21 versioned, CKV_AWS_19 encrypted, ACLs off, TLS only', async (t) => {
    // Exempt: CKV_AWS_145 (KMS instead of SSE-S3), CKV_AWS_18 (access logs), CKV_AWS_144 (replication),
    // CKV2_AWS_61/62 (lifecycle, event notifications): one small object, read by the instances at boot.
    for (const region of DEFAULT_REGIONS) {
      const a = `artifact_${regionId(region)}`;
      t.same(resources(json, 'aws_s3_bucket_public_access_block')[`${a}_public_access_block`], {
        bucket: ref('aws_s3_bucket', `${a}_bucket`), block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true, provider: `aws.${regionId(region)}`,
      });
      t.match(resources(json, 'aws_s3_bucket_ownership_controls')[`${a}_ownership`], { rule: { object_ownership: 'BucketOwnerEnforced' } });
      t.match(resources(json, 'aws_s3_bucket_versioning')[`${a}_versioning`], { versioning_configuration: { status: 'Enabled' } });
      t.match(resources(json, 'aws_s3_bucket_server_side_encryption_configuration')[`${a}_encryption`], { rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }] });
      t.match(resources(json, 'aws_s3_bucket_policy')[`${a}_tls_only`]?.policy, /"aws:SecureTransport" = "false"/);
      const b = resources(json, 'aws_s3_bucket')[`${a}_bucket`] as Json;
      t.notOk(b.acl || b.policy || b.website, 'no ACL, inline policy or website');
    }
  });

  t.test('CKV_AWS_88: no instance has a public IP (the origins are reached through the accelerator only); CKV_AWS_130: no subnet hands one out', async (t) => {
    t.ok(instances.every((i) => i.associate_public_ip_address === false));
    t.ok(Object.values(resources(json, 'aws_subnet')).every((s) => s.map_public_ip_on_launch === false));
  });

  t.test('deliberate exemptions: the origin security groups admit exactly the listener ports from anywhere', async (t) => {
    // CKV_AWS_260 (port 80 open to 0.0.0.0/0) and its UDP/TCP 53 cousins: a public anycast origin
    // must accept its listener ports from anywhere, because client IP preservation delivers the
    // clients' own addresses. The rules are exactly the listener ports, nothing else.
    const perRegion = ingress.filter((r) => r.security_group_id === ref('aws_security_group', 'network_us_east_1_origin_sg'));
    t.same(perRegion.map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4]).sort(), [['tcp', 53, 53, '0.0.0.0/0'], ['tcp', 80, 80, '0.0.0.0/0'], ['udp', 53, 53, '0.0.0.0/0']]);
    // With client IP preservation the accelerator delivers clients' own addresses, so the rules
    // cannot narrow the source; without a public IP or a route out, nothing but the accelerator
    // reaches these ports. Egress: HTTPS to S3's prefix list only (DNS to the VPC resolver and
    // IMDS are not filtered by security groups).
    t.same(egress.filter((r) => r.security_group_id === ref('aws_security_group', 'network_us_east_1_origin_sg')).map((r) => [r.ip_protocol, r.from_port, r.to_port, r.prefix_list_id]),
      [['tcp', 443, 443, ref('aws_vpc_endpoint', 'network_us_east_1_s3', 'prefix_list_id')]]);
    t.notOk(egress.some((r) => r.cidr_ipv4 === '0.0.0.0/0' || r.cidr_ipv6 === '::/0'), 'nothing out to the internet');
    // CKV2_AWS_11 (VPC flow logs): not built; Global Accelerator flow logs (CKV_AWS_75) cover the listener traffic.
    t.same(resources(json, 'aws_flow_log'), {});
  });
});
