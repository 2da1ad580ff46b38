import t from 'tap';
import { spawnSync } from 'node:child_process';
import { renderUserData } from '../src/user-data.js';

const script = renderUserData({ bucket: 'my-bucket', key: 'anycast-origin/abc/anycast-origin-linux.tar.gz', bucketRegion: 'us-west-2' });

t.test('GIVEN a bucket and key WHEN rendered THEN the script installs Node 20 and the artifact and enables the unit', async (t) => {
  t.match(script, /^#!\/bin\/bash\n/);
  t.match(script, /set -euo pipefail/);
  t.match(script, /dnf install -y nodejs20\n/);
  t.match(script, /if \[ ! -e \/usr\/bin\/node \]; then ln -s \/usr\/bin\/node-20 \/usr\/bin\/node; fi/);
  t.match(script, /aws s3 cp "s3:\/\/my-bucket\/anycast-origin\/abc\/anycast-origin-linux\.tar\.gz" "\$work\/anycast-origin\.tar\.gz" --region "us-west-2"/);
  t.match(script, /test -f "\$work\/anycast-origin\/dist\/cli\.js"/);
  t.match(script, /tar -xzf "\$work\/anycast-origin\.tar\.gz" -C "\$work" --no-same-owner/);
  t.match(script, /mv "\$work\/anycast-origin" \/opt\/anycast-origin/);
  t.match(script, /chmod -R u=rwX,go=rX \/opt\/anycast-origin/, 'readable by the unit\'s DynamicUser');
  t.match(script, /install -m 0644 \/opt\/anycast-origin\/anycast-origin\.service \/etc\/systemd\/system\/anycast-origin\.service/);
  t.match(script, /systemctl enable --now anycast-origin\n$/);
  t.ok(script.indexOf('DNSStubListener=no') < script.indexOf('systemctl enable'), 'port 53 freed before the origin starts');
});

t.test('the script holds no Terraform template sequences of its own (${ or %{)', async (t) => {
  t.notMatch(script, /\$\{|%\{/);
});

t.test('bash parses the script (bash -n)', async (t) => {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
});
