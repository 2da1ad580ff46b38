import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { needs } from '@anycast-origin/testkit';
import { AL2023, DEBIAN13 } from '../src/image.js';
import { RETRY_ATTEMPTS, originEnvFile, originSettings, renderInstaller, renderUpdateScript, renderUserData } from '../src/user-data.js';
import type { ArtifactRef } from '../src/user-data.js';
import { fixtureTarball, sandbox, sandboxSupport } from './fixtures/sandbox.js';
import { testConfig } from './fixtures/synth.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const ref = (file: string, version = 'v1'): ArtifactRef => ({ bucket: 'anycast-origin-abc', key: 'anycast-origin/0123/anycast-origin-linux.tar.gz', versionId: version, sha256: sha256(file), region: 'eu-central-1' });
const ORIGIN = { drainSeconds: 40, dnsRrl: true };
const placeholder: ArtifactRef = { bucket: 'b', key: 'k', versionId: 'v', sha256: '0'.repeat(64), region: 'us-east-1' };
const script = renderUserData({ image: DEBIAN13, artifact: placeholder, origin: ORIGIN });
const scripts = {
  'user data (Debian 13)': script,
  'user data (Debian 13, SSM Agent)': renderUserData({ image: DEBIAN13, artifact: placeholder, origin: ORIGIN, ssmAgent: true }),
  'user data (Amazon Linux 2023)': renderUserData({ image: AL2023, artifact: placeholder, origin: ORIGIN }),
  installer: renderInstaller(),
  update: renderUpdateScript({ artifact: placeholder, origin: ORIGIN }),
};

t.test('the scripts hold no Terraform template sequences of their own (${ or %{)', async (t) => {
  for (const [name, s] of Object.entries(scripts)) t.notMatch(s, /\$\{|%\{/, name);
});

t.test('shellcheck finds nothing in the boot script, the installer or the update', needs('shellcheck', 'shellcheck'), async (t) => {
  for (const [name, text] of Object.entries(scripts)) {
    const r = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], { input: text, encoding: 'utf8' });
    t.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
  }
});

t.test('GIVEN the region\'s settings WHEN rendered THEN the env file and a stop timeout that outlasts the drain', async (t) => {
  t.match(script, /cat > \/etc\/anycast-origin\/env <<'ENV'\nORIGIN_DRAIN_SECONDS=40\nENV\n/);
  t.notMatch(script, /ORIGIN_DNS_RRL/);
  t.match(script, /TimeoutStopSec=100/);
  const off = renderUserData({ image: AL2023, artifact: placeholder, origin: { drainSeconds: 330, dnsRrl: false } });
  t.match(off, /<<'ENV'\nORIGIN_DRAIN_SECONDS=330\nORIGIN_DNS_RRL=off\nENV\n/);
  t.match(off, /TimeoutStopSec=390/);
});

t.test('originSettings: the longest health check of the region\'s groups sets the drain; no client IPs, no RRL', async (t) => {
  const c = testConfig();
  t.same(originSettings(c.listeners, c.regions[0] as (typeof c.regions)[number]), { drainSeconds: 40, dnsRrl: true }, '10 s x 3 + 10 s');
  const slowDns = testConfig({
    listeners: [
      { name: 'http', protocol: 'TCP', port: 80, serves: 'http' },
      { name: 'dns-tcp', protocol: 'TCP', port: 53, serves: 'dns', healthCheck: { intervalSeconds: 30, thresholdCount: 5 } },
    ],
    regions: [{ region: 'eu-central-1', clientIpPreservation: false }],
  });
  t.same(originSettings(slowDns.listeners, slowDns.regions[0] as (typeof c.regions)[number]), { drainSeconds: 180, dnsRrl: false }, 'the DNS group\'s 30 s x 5 + 30 s, not the HTTP group\'s 40 s');
  t.equal(originEnvFile({ drainSeconds: 180, dnsRrl: false }), 'ORIGIN_DRAIN_SECONDS=180\nORIGIN_DNS_RRL=off\n');
});

t.test('the boot script run as an instance runs it (stub commands, overlays over /etc, /opt, /usr)', sandboxSupport(), async (t) => {
  const dir = t.testdir({});
  const v1 = fixtureTarball(dir, 'v1');
  const v2 = fixtureTarball(dir, 'v2');

  t.test('GIVEN dnf, aws and systemctl that fail twice each WHEN the boot script runs THEN it retries with backoff and installs the artifact', async (t) => {
    const box = sandbox(t);
    const r = box.run(renderUserData({ image: AL2023, artifact: ref(v1), origin: ORIGIN }), { artifact: v1, fail: { dnf: 2, aws: 2, systemctl: 2 } });
    t.equal(r.status, 0, r.stderr);
    t.same(r.calls.filter((c) => c.startsWith('dnf ')), Array(3).fill('dnf install -y nodejs20'));
    const gets = r.calls.filter((c) => c.startsWith('aws '));
    t.equal(gets.length, 3);
    t.match(gets[2], /^aws s3api get-object --bucket anycast-origin-abc --key anycast-origin\/0123\/anycast-origin-linux\.tar\.gz --version-id v1 --region eu-central-1 \/tmp\/.*\/artifact\.tar\.gz$/, 'exactly the uploaded version');
    t.same(r.calls.filter((c) => c.startsWith('sleep ')), ['sleep 2', 'sleep 4', 'sleep 2', 'sleep 4', 'sleep 2', 'sleep 4'], 'backoff 2 s, 4 s after each command\'s failures');
    t.same(r.calls.filter((c) => c.startsWith('systemctl ') && !c.startsWith('systemctl is-active')),
      ['systemctl daemon-reload', 'systemctl daemon-reload', 'systemctl daemon-reload', 'systemctl enable anycast-origin', 'systemctl restart anycast-origin']);
    t.match(r.stderr, /anycast-origin: attempt 1 failed: dnf install -y nodejs20; again in 2 s/);
    t.equal(r.wrote('opt/anycast-origin/dist/cli.js'), '// the origin, v1\n');
    t.match(r.wrote('etc/systemd/system/anycast-origin.service'), /# v1/);
    t.equal(r.wrote('etc/anycast-origin/env'), 'ORIGIN_DRAIN_SECONDS=40\n');
    t.equal(r.wrote('etc/systemd/system/anycast-origin.service.d/drain.conf'), '[Service]\nTimeoutStopSec=100\n');
    t.equal(r.wrote('usr/local/sbin/anycast-origin-install'), renderInstaller());
    t.match(r.stdout, /anycast-origin-install: s3:\/\/anycast-origin-abc\/.* version v1 installed, \/healthz answers/);

    t.test('THEN a rollout\'s update on the same instance stops the origin, installs the new version and writes the new settings', async (t) => {
      const u = box.run(renderUpdateScript({ artifact: ref(v2, 'v2'), origin: { drainSeconds: 90, dnsRrl: false } }), { artifact: v2, active: true });
      t.equal(u.status, 0, u.stderr);
      t.ok(u.calls.indexOf('systemctl stop anycast-origin') < u.calls.indexOf('systemctl restart anycast-origin'), 'stopped (it drains) before the swap');
      t.equal(u.wrote('opt/anycast-origin/dist/cli.js'), '// the origin, v2\n');
      t.equal(u.wrote('etc/anycast-origin/env'), 'ORIGIN_DRAIN_SECONDS=90\nORIGIN_DNS_RRL=off\n');
      t.notOk(u.calls.some((c) => c.startsWith('dnf')), 'no packages on an update');
    });
  });

  t.test('GIVEN an object whose SHA-256 is not the one the stack uploaded THEN nothing is installed and the log says why', async (t) => {
    const box = sandbox(t);
    const r = box.run(renderUserData({ image: AL2023, artifact: { ...ref(v1), sha256: sha256(v2) }, origin: ORIGIN }), { artifact: v1 });
    t.not(r.status, 0);
    t.match(r.stderr, /anycast-origin-install: s3:\/\/anycast-origin-abc\/anycast-origin\/0123\/anycast-origin-linux\.tar\.gz version v1 is not the artifact the stack uploaded \(its SHA-256 is not [0-9a-f]{64}\): not installed/);
    t.match(r.stderr, /anycast-origin bootstrap: failed at line \d+: \/usr\/local\/sbin\/anycast-origin-install/);
    t.equal(r.wrote('opt/anycast-origin/dist/cli.js'), undefined);
    t.notOk(r.calls.some((c) => c.startsWith('systemctl restart anycast-origin')));
  });

  t.test(`GIVEN an S3 object that never becomes readable THEN the boot gives up after ${RETRY_ATTEMPTS} attempts, saying so`, async (t) => {
    const box = sandbox(t);
    const r = box.run(renderUserData({ image: AL2023, artifact: ref(v1), origin: ORIGIN }), { artifact: v1, fail: { aws: 100 } });
    t.not(r.status, 0);
    t.equal(r.calls.filter((c) => c.startsWith('aws ')).length, RETRY_ATTEMPTS);
    t.same(r.calls.filter((c) => c.startsWith('sleep ')), ['sleep 2', 'sleep 4', 'sleep 8', 'sleep 16', 'sleep 32', 'sleep 60', 'sleep 60']);
    t.match(r.stderr, new RegExp(`anycast-origin: giving up after ${RETRY_ATTEMPTS} attempts: aws s3api get-object`));
  });

  t.test('GIVEN an origin that never answers /healthz THEN the install fails with the unit\'s journal', async (t) => {
    const box = sandbox(t);
    const r = box.run(renderUserData({ image: AL2023, artifact: ref(v1), origin: ORIGIN }), { artifact: v1, fail: { curl: 1 } });
    t.not(r.status, 0);
    t.match(r.stderr, /the origin does not answer http:\/\/127\.0\.0\.1\/healthz 120 s after its start/);
    t.match(r.stderr, /\(journal of the unit\)/);
  });

  t.test('GIVEN Debian 13 as shipped (AWS CLI and curl in it) THEN no apt-get (private origins reach no mirror)', async (t) => {
    const box = sandbox(t);
    const r = box.run(renderUserData({ image: DEBIAN13, artifact: ref(v1), origin: ORIGIN }), { artifact: v1, fail: { aws: 1 } });
    t.equal(r.status, 0, r.stderr);
    t.same(r.calls.filter((c) => /^(apt-get|dnf|dpkg) /.test(c)), [], 'no package manager');
    t.equal(r.calls.filter((c) => c.startsWith('aws s3api get-object')).length, 2, 'the download retried');
    t.equal(r.wrote('opt/anycast-origin/dist/cli.js'), '// the origin, v1\n');
    t.notOk(r.calls.some((c) => c.includes('amazon-ssm-agent')), 'no SSM Agent unless SSM is reachable');
  });

  t.test('GIVEN Debian 13 without AWS CLI and curl, apt-get failing twice THEN apt-get retried, then the install', async (t) => {
    const box = sandbox(t);
    const r = box.run(renderUserData({ image: DEBIAN13, artifact: ref(v1), origin: ORIGIN }), { artifact: v1, missing: ['aws', 'curl'], fail: { 'apt-get': 2 } });
    t.equal(r.status, 0, r.stderr);
    t.same(r.calls.filter((c) => c.startsWith('apt-get')), ['apt-get update', 'apt-get update', 'apt-get update', 'apt-get install -y --no-install-recommends awscli curl']);
    t.match(r.stderr, /anycast-origin: attempt 1 failed: apt-get update; again in 2 s/);
    t.ok(r.calls.some((c) => c.startsWith('aws s3api get-object')), 'the installed AWS CLI downloads the artifact');
    t.equal(r.wrote('opt/anycast-origin/dist/cli.js'), '// the origin, v1\n');
  });

  t.test('GIVEN Debian 13 where SSM is reachable THEN SSM Agent from the region\'s bucket, retried, started', async (t) => {
    const box = sandbox(t);
    const r = box.run(renderUserData({ image: DEBIAN13, artifact: ref(v1), origin: ORIGIN, ssmAgent: true }), { artifact: v1, fail: { curl: 1 } });
    t.equal(r.status, 0, r.stderr);
    const agent = r.calls.filter((c) => (c.includes('amazon-ssm') || c.startsWith('dpkg -i')) && !c.startsWith('systemctl is-enabled'));
    t.equal(agent.length, 4, agent.join('\n'));
    t.match(agent[0], /^curl -fsSL --max-time 120 -o \/tmp\/\S+ https:\/\/amazon-ssm-eu-central-1\.s3\.eu-central-1\.amazonaws\.com\/latest\/debian_amd64\/amazon-ssm-agent\.deb$/);
    t.equal(agent[1], agent[0], 'the failed download tried again');
    t.match(agent[2], /^dpkg -i \/tmp\//);
    t.equal(agent[3], 'systemctl enable --now amazon-ssm-agent');
    t.equal(r.wrote('opt/anycast-origin/dist/cli.js'), '// the origin, v1\n');
  });
});
