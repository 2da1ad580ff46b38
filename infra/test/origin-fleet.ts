import t from 'tap';
import { TerraformVariable } from 'cdktf';
import { ssmAgentDebUrl } from '../src/image.js';
import { OriginFleet } from '../src/origin-fleet.js';
import { dataSources, ref, regionParts, resources, synthStack, testConfig } from './fixtures/synth.js';
import type { RegionParts } from './fixtures/synth.js';

const another = (p: RegionParts, id: string, extra: Partial<ConstructorParameters<typeof OriginFleet>[2]> = {}) =>
  new OriginFleet(p.stack, id, { provider: p.provider, name: id, region: p.region, network: p.network, role: p.role, artifact: p.artifact, origin: { drainSeconds: 40, dnsRrl: true }, ...extra });

t.test('GIVEN 3 Graviton instances WHEN synthesized THEN the arm64 AMI parameter, subnets a, b, a, the origin security group and the role\'s profile', async (t) => {
  const p = regionParts(testConfig({ regions: [{ region: 'us-east-1', instanceCount: 3, instanceType: 'c7g.large' }] }));
  const json = synthStack(p.stack);
  t.equal(p.fleet.architecture, 'arm64');
  t.equal(Object.values(dataSources(json, 'aws_ssm_parameter'))[0]?.name, '/aws/service/debian/release/13/latest/arm64');
  const instances = Object.values(resources(json, 'aws_instance'));
  const subnets = Object.keys(resources(json, 'aws_subnet'));
  t.same(instances.map((i) => i.subnet_id), [0, 1, 0].map((n) => ref('aws_subnet', subnets[n] as string)));
  t.same(instances.map((i) => i.tags.Name), ['o-1', 'o-2', 'o-3']);
  t.same(instances.map((i) => i.instance_type), ['c7g.large', 'c7g.large', 'c7g.large']);
  const sg = Object.keys(resources(json, 'aws_security_group'))[0] as string;
  const profile = Object.keys(resources(json, 'aws_iam_instance_profile'))[0] as string;
  for (const i of instances) {
    t.same(i.vpc_security_group_ids, [ref('aws_security_group', sg)]);
    t.equal(i.iam_instance_profile, ref('aws_iam_instance_profile', profile, 'name'));
  }
});

t.test('GIVEN the default region WHEN synthesized THEN private instances that start after what their boot needs and that a new artifact or AMI never replaces', async (t) => {
  const p = regionParts();
  const json = synthStack(p.stack);
  const names = (type: string) => Object.keys(resources(json, type)).map((n) => `${type}.${n}`);
  for (const i of Object.values(resources(json, 'aws_instance'))) {
    t.equal(i.associate_public_ip_address, false, 'no public IPv4');
    t.same(i.lifecycle, { create_before_destroy: true, ignore_changes: ['ami', 'user_data'] });
    t.notOk(i.user_data_replace_on_change, 'a new artifact is a rollout, not a replacement');
    t.same([...(i.depends_on as string[])].sort(), [
      ...names('aws_s3_object'), ...names('aws_iam_role_policy'), ...names('aws_iam_role_policy_attachment'), ...names('aws_iam_instance_profile'),
      ...names('aws_route_table_association'), ...names('aws_vpc_endpoint'), ...names('aws_vpc_security_group_egress_rule'),
    ].sort());
    const object = Object.keys(resources(json, 'aws_s3_object'))[0] as string;
    const bucket = Object.keys(resources(json, 'aws_s3_bucket'))[0] as string;
    t.ok((i.user_data as string).endsWith(`/usr/local/sbin/anycast-origin-install "\${aws_s3_bucket.${bucket}.id}" "${p.artifact.key}" "\${aws_s3_object.${object}.version_id}" "${p.artifact.artifact.sha256}" "us-east-1"\n`), 'installs exactly the uploaded version, checked against its SHA-256');
  }
});

t.test('GIVEN publicIp WHEN synthesized THEN each instance asks for a public IPv4, and installs SSM Agent (Debian has none; SSM is reachable)', async (t) => {
  const p = regionParts(testConfig({ regions: [{ region: 'us-east-1', publicIp: true }] }));
  const instances = Object.values(resources(synthStack(p.stack), 'aws_instance'));
  t.ok(instances.every((i) => i.associate_public_ip_address === true));
  t.ok(instances.every((i) => (i.user_data as string).includes(`retry curl -fsSL --max-time 120 -o "$agent" "${ssmAgentDebUrl('us-east-1')}"`)));
});

t.test('SSM Agent only where SSM is reachable: ssmEndpoints yes, private origins without them no', async (t) => {
  const agent = (region: Record<string, unknown>) => Object.values(resources(synthStack(regionParts(testConfig({ regions: [region] })).stack), 'aws_instance')).map((i) => (i.user_data as string).includes('retry systemctl enable --now amazon-ssm-agent'));
  t.same(agent({ region: 'eu-central-1', ssmEndpoints: true }), [true, true]);
  t.same(agent({ region: 'eu-central-1' }), [false, false]);
});

t.test('GIVEN an explicit architecture THEN it wins over the instance type', async (t) => {
  const p = regionParts(testConfig({ regions: [{ region: 'us-east-1', instanceType: 'm7g.large' }] }));
  t.equal(p.fleet.architecture, 'arm64');
  t.equal(another(p, 'x86', { architecture: 'x86_64' }).architecture, 'x86_64');
});

t.test('GIVEN an instance type known only at apply (a token) THEN the architecture must be given', async (t) => {
  const p = regionParts();
  const region = { ...p.region, instanceType: new TerraformVariable(p.stack, 'instance_type', { type: 'string' }).stringValue };
  t.throws(() => another(p, 'f', { region }), { name: 'InvalidOptionError', code: 'INFRA_ERR_INVALID_OPTION', option: 'architecture' });
  t.equal(another(p, 'g', { region, architecture: 'arm64' }).architecture, 'arm64');
});
