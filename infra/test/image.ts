import t from 'tap';
import { readFileSync } from 'node:fs';
import { AL2023, DEBIAN13, ORIGIN_IMAGE, architectureOf } from '../src/image.js';

t.test('architectureOf: Graviton families are arm64, everything else x86_64', async (t) => {
  const arm = ['a1.large', 't4g.micro', 'm6g.large', 'm6gd.xlarge', 'c6gn.large', 'c7g.medium', 'm7g.large', 'r8g.large', 'im4gn.large', 'is4gen.medium', 'x2gd.large', 'g5g.xlarge', 'hpc7g.4xlarge'];
  const x86 = ['t3.micro', 't2.micro', 'm5.large', 'm5dn.large', 'c6in.large', 'g4dn.xlarge', 'g5.xlarge', 'g6e.xlarge', 'p4d.24xlarge', 'm7i-flex.large', 'inf2.xlarge', 'x2idn.16xlarge'];
  for (const type of arm) t.equal(architectureOf(type), 'arm64', type);
  for (const type of x86) t.equal(architectureOf(type), 'x86_64', type);
});

t.test('the origins boot Debian 13 (glibc 2.41: the default artifact\'s uWS 20.57 needs >= 2.38): its AMI parameter per architecture, the AWS CLI and curl from apt-get only if missing, SSM Agent from the region\'s bucket', async (t) => {
  t.equal(ORIGIN_IMAGE, DEBIAN13);
  t.equal(DEBIAN13.artifactBase, 'debian-13');
  t.equal(DEBIAN13.amiParameter('x86_64'), '/aws/service/debian/release/13/latest/amd64');
  t.equal(DEBIAN13.amiParameter('arm64'), '/aws/service/debian/release/13/latest/arm64');
  t.same(DEBIAN13.needs, ['aws', 'curl']);
  t.same(DEBIAN13.install, [['apt-get', 'update'], ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', 'awscli', 'curl']]);
  t.same(DEBIAN13.packageObjects('eu-central-1'), [], 'Debian\'s mirrors are not in S3');
  t.match(DEBIAN13.ssmAgent('eu-central-1').join('\n'), /https:\/\/amazon-ssm-eu-central-1\.s3\.eu-central-1\.amazonaws\.com\/latest\/debian_\$\(dpkg --print-architecture\)\/amazon-ssm-agent\.deb/);
});

t.test('Amazon Linux 2023 stays possible (the --base al2023 artifact): its AMI parameter per architecture, nodejs20 from dnf, repositories in S3, SSM Agent in the image', async (t) => {
  t.equal(AL2023.artifactBase, 'al2023');
  t.same(AL2023.needs, ['node-20']);
  t.same(AL2023.ssmAgent('eu-central-1'), []);
  t.equal(AL2023.amiParameter('x86_64'), '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
  t.equal(AL2023.amiParameter('arm64'), '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
  t.same(AL2023.install, [['dnf', 'install', '-y', 'nodejs20']]);
  t.same(AL2023.packageObjects('eu-central-1'), ['arn:aws:s3:::al2023-repos-eu-central-1-*/*']);
});

t.test('the artifact the default image runs is the one `npm run package -w apps/origin` builds by default; each image\'s base is one the script knows', async (t) => {
  const script = readFileSync(new URL('../../apps/origin/scripts/package.mjs', import.meta.url), 'utf8');
  t.equal(/arg\('--base'\) \?\? '([^']+)'/.exec(script)?.[1], ORIGIN_IMAGE.artifactBase);
  for (const image of [DEBIAN13, AL2023]) t.match(script, new RegExp(`\\n\\s+'?${image.artifactBase}'?: \\{ glibc:`), image.name);
});
