import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { needs } from '@anycast-origin/testkit';

const SCRIPT = fileURLToPath(new URL('../scripts/delete-ga-security-groups.sh', import.meta.url));

// A stub `aws`: us-east-1 has the VPC and the group, whose deletion fails DELETE_FAILS times
// with DELETE_ERROR; eu-central-1 has the VPC but no group; ap-southeast-1 has no VPC.
const AWS = `#!/bin/bash
echo "aws $*" >> "$STUB_DIR/calls.log"
region=$(echo "$*" | sed -n 's/.*--region \\([a-z0-9-]*\\).*/\\1/p')
case "$2" in
  describe-vpcs) if [ "$region" = ap-southeast-1 ]; then echo None; else echo "vpc-$region"; fi ;;
  describe-security-groups) if [ "$region" = us-east-1 ]; then echo sg-0ga; else echo None; fi ;;
  delete-security-group)
    n=$(( $(cat "$STUB_DIR/deletes" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$STUB_DIR/deletes"
    if [ "$n" -le "$DELETE_FAILS" ]; then echo "An error occurred ($DELETE_ERROR) when calling the DeleteSecurityGroup operation: resource sg-0ga has a dependent object" >&2; exit 254; fi ;;
esac
`;

function runScript(t: Test, env: Record<string, string>) {
  const dir = t.testdir({});
  writeFileSync(join(dir, 'aws'), AWS);
  writeFileSync(join(dir, 'sleep'), '#!/bin/bash\necho "sleep $*" >> "$STUB_DIR/calls.log"\n');
  for (const f of ['aws', 'sleep']) chmodSync(join(dir, f), 0o755);
  writeFileSync(join(dir, 'calls.log'), '');
  const r = spawnSync('bash', [SCRIPT, 'anycast-origin', 'us-east-1', 'eu-central-1', 'ap-southeast-1'], {
    encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin`, STUB_DIR: dir, ATTEMPTS: '5', ATTEMPT_DELAY: '20', DELETE_ERROR: 'DependencyViolation', ...env },
  });
  return { ...r, calls: readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean) };
}

t.test('shellcheck finds nothing in the teardown script', needs('shellcheck', 'shellcheck'), async (t) => {
  const r = spawnSync('shellcheck', ['--severity=style', SCRIPT], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stdout);
});

t.test('GIVEN the group is still in use twice WHEN the script runs THEN it retries until the interfaces are released and deletes it; other regions are reported', async (t) => {
  const r = runScript(t, { DELETE_FAILS: '2' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.calls.filter((c) => c.startsWith('aws ec2 delete-security-group --region us-east-1 --group-id sg-0ga')).length, 3);
  t.same(r.calls.filter((c) => c.startsWith('sleep')), ['sleep 20', 'sleep 20']);
  t.match(r.calls.find((c) => c.includes('describe-vpcs')), /--filters Name=tag:Name,Values=anycast-origin-us-east-1-vpc/);
  t.match(r.calls.find((c) => c.includes('describe-security-groups')), /Name=vpc-id,Values=vpc-us-east-1 Name=group-name,Values=GlobalAccelerator/);
  t.match(r.stdout, /us-east-1: sg-0ga still in use by Global Accelerator's network interfaces; again in 20 s \(1\/5\)/);
  t.match(r.stdout, /us-east-1: deleted sg-0ga \(GlobalAccelerator\) in vpc-us-east-1/);
  t.match(r.stdout, /eu-central-1: no GlobalAccelerator security group in vpc-eu-central-1/);
  t.match(r.stdout, /ap-southeast-1: no VPC anycast-origin-ap-southeast-1-vpc \(already gone\)/);
});

t.test('GIVEN the interfaces are never released THEN it stops after ATTEMPTS, saying to run it again', async (t) => {
  const r = runScript(t, { DELETE_FAILS: '99' });
  t.equal(r.status, 1);
  t.equal(r.calls.filter((c) => c.includes('delete-security-group')).length, 5);
  t.match(r.stderr, /us-east-1: sg-0ga is still in use after 5 attempts .*run this again later/);
});

t.test('GIVEN another error (no permission) THEN it fails at once with AWS\'s message', async (t) => {
  const r = runScript(t, { DELETE_FAILS: '1', DELETE_ERROR: 'UnauthorizedOperation' });
  t.equal(r.status, 1);
  t.equal(r.calls.filter((c) => c.includes('delete-security-group')).length, 1);
  t.match(r.stderr, /us-east-1: deleting sg-0ga failed: An error occurred \(UnauthorizedOperation\)/);
});

t.test('GIVEN no region THEN usage, exit 2', async (t) => {
  const r = spawnSync('bash', [SCRIPT, 'anycast-origin'], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /^usage: delete-ga-security-groups\.sh ACCELERATOR_NAME REGION\.\.\./);
});
