import t from 'tap';
import { spawnSync } from 'node:child_process';
import { originEnvFile, originSettings, renderUserData } from '../src/user-data.js';
import { testConfig } from './fixtures/synth.js';

const script = renderUserData({ bucket: 'my-bucket', key: 'anycast-origin/abc/anycast-origin-linux.tar.gz', bucketRegion: 'us-west-2', origin: { drainSeconds: 40, dnsRrl: true } });

t.test('GIVEN a bucket and key WHEN rendered THEN the script installs Node 20 and the artifact and enables the unit', async (t) => {
  t.match(script, /^#!\/bin\/bash\n/);
  t.match(script, /set -euo pipefail/);
  t.match(script, /dnf install -y nodejs20\n/);
  t.match(script, /aws s3 cp "s3:\/\/my-bucket\/anycast-origin\/abc\/anycast-origin-linux\.tar\.gz" "\$work\/anycast-origin\.tar\.gz" --region "us-west-2"/);
  t.match(script, /mv "\$work\/anycast-origin" \/opt\/anycast-origin/);
  t.match(script, /install -m 0644 \/opt\/anycast-origin\/anycast-origin\.service \/etc\/systemd\/system\/anycast-origin\.service/);
  t.match(script, /systemctl enable --now anycast-origin\n$/);
  t.ok(script.indexOf('DNSStubListener=no') < script.indexOf('systemctl enable'), 'port 53 freed before the origin starts');
});

t.test('GIVEN the region\'s settings WHEN rendered THEN the env file and a stop timeout that outlasts the drain are written before the unit starts', async (t) => {
  t.match(script, /cat > \/etc\/anycast-origin\/env <<'ENV'\nORIGIN_DRAIN_SECONDS=40\nENV\n/);
  t.notMatch(script, /ORIGIN_DNS_RRL/);
  t.match(script, /TimeoutStopSec=100/);
  t.ok(script.indexOf('/etc/anycast-origin/env') < script.indexOf('systemctl enable'));
  const off = renderUserData({ bucket: 'b', key: 'k', bucketRegion: 'us-west-2', origin: { drainSeconds: 330, dnsRrl: false } });
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

t.test('the script holds no Terraform template sequences of its own (${ or %{)', async (t) => {
  t.notMatch(script, /\$\{|%\{/);
});

t.test('bash parses the script (bash -n)', async (t) => {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
});
