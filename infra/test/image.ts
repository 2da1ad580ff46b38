import t from 'tap';
import { AL2023, ORIGIN_IMAGE, architectureOf } from '../src/image.js';

t.test('architectureOf: Graviton families are arm64, everything else x86_64', async (t) => {
  const arm = ['a1.large', 't4g.micro', 'm6g.large', 'm6gd.xlarge', 'c6gn.large', 'c7g.medium', 'm7g.large', 'r8g.large', 'im4gn.large', 'is4gen.medium', 'x2gd.large', 'g5g.xlarge', 'hpc7g.4xlarge'];
  const x86 = ['t3.micro', 't2.micro', 'm5.large', 'm5dn.large', 'c6in.large', 'g4dn.xlarge', 'g5.xlarge', 'g6e.xlarge', 'p4d.24xlarge', 'm7i-flex.large', 'inf2.xlarge', 'x2idn.16xlarge'];
  for (const type of arm) t.equal(architectureOf(type), 'arm64', type);
  for (const type of x86) t.equal(architectureOf(type), 'x86_64', type);
});

t.test('the origins boot Amazon Linux 2023: its AMI parameter per architecture, nodejs20 from dnf, repositories in S3', async (t) => {
  t.equal(ORIGIN_IMAGE, AL2023);
  t.equal(AL2023.amiParameter('x86_64'), '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
  t.equal(AL2023.amiParameter('arm64'), '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
  t.same(AL2023.install, [['dnf', 'install', '-y', 'nodejs20']]);
  t.same(AL2023.packageObjects('eu-central-1'), ['arn:aws:s3:::al2023-repos-eu-central-1-*/*']);
});
