/**
 * The command's behaviour run in this process (main() with its own stdout/stderr): exit
 * codes and the exact one-line errors for usage, guards, AWS errors and what is not there;
 * choosing the accelerator; the Region drain's warning and undrain; JSON results of drain;
 * the terminal progress lines. test/cli.ts runs the same through real processes.
 */
import t from 'tap';
import { PassThrough } from 'node:stream';
import { channel } from 'node:diagnostics_channel';
import { CHANNELS } from '../src/index.js';
import { showProgress } from '../src/main.js';
import { gactlHere as gactl, seed } from './fixtures/seed.js';

t.test('exit codes and one-line errors', async (t) => {
  const s = await seed(t, { addressPool: '127.81.1.0/24' });
  const [e1] = s.instances['eu-central-1'] as [string, string];

  await t.test('2: usage, named as the user wrote it', async (t) => {
    for (const [args, message, env] of [
      [['dial', 'eu-central-1', '150'], 'PERCENT must be a number 0..100 (percent), got 150'],
      [['dial', 'Frankfurt', '10'], 'REGION must be an AWS Region name like eu-central-1, got "Frankfurt"'],
      [['weight', e1, '256'], 'WEIGHT must be an integer 0..255, got 256'],
      [['weight', e1], 'missing required argument \'WEIGHT\''],
      [['drain'], 'drain takes an ENDPOINT_ID or --region REGION, got neither'],
      [['undrain', e1, '--region', 'eu-central-1'], 'undrain takes an ENDPOINT_ID or --region REGION, not both'],
      [['dial', 'eu-central-1', '10', '--listener', 'TCP'], '--listener[0] must be PROTOCOL:PORT like TCP:80, got "TCP"'],
      [['dial', 'eu-central-1', '10', '--listener', 'TCP:80', '--listener', 'SCTP:9'], '--listener[1] must be PROTOCOL:PORT like TCP:80, got "SCTP:9"'],
      [['--output', 'yaml', 'status'], '--output must be one of \'table\', \'json\', got "yaml"'],
      [['status', '--listener', 'TCP:80'], 'unknown option \'--listener\''],
      [['status', '--region', 'us-west-2'], 'unknown option \'--region\''],
      [['stats'], 'unknown command \'stats\' (Did you mean status?)'],
      [[], 'a command is required: status, dial, weight, drain, undrain, apply, wait, autopilot'],
      [['status'], 'GACTL_TIMEOUT must be a number 0..86400 (s), got "soon"', { GACTL_TIMEOUT: 'soon' }],
      [['status'], 'GACTL_ENDPOINT_URL must be an http:// or https:// URL, got "127.0.0.1:9"', { GACTL_ENDPOINT_URL: '127.0.0.1:9' }],
      [['status'], 'GACTL_WAIT must be true or false, got "maybe"', { GACTL_WAIT: 'maybe' }],
    ] as [string[], string, NodeJS.ProcessEnv?][]) {
      const r = await gactl(args, { ...s.env, ...env });
      t.same([r.code, r.stdout, r.stderr], [2, '', `gactl: ${message} (see gactl --help)\n`], args.join(' ') || '(nothing)');
    }
  });

  await t.test('1: guards name --force; AWS errors start with AWS\'s name; what is not there', async (t) => {
    for (const region of ['us-east-1', 'us-west-2', 'ap-southeast-1']) t.equal((await gactl(['dial', region, '0', '--listener', 'TCP:53'], s.env)).code, 0);
    const g = await gactl(['dial', 'eu-central-1', '0', '--listener', 'TCP:53'], s.env);
    t.same([g.code, g.stdout, g.stderr], [1, '', 'gactl: refused: listener TCP:53 would have no Region taking traffic (every traffic dial 0) (--force to do it anyway)\n']);
    const forced = await gactl(['dial', 'eu-central-1', '0', '--listener', 'TCP:53', '--force'], s.env);
    t.equal(forced.code, 0);
    t.match(forced.stderr, 'gactl: warning: forced: listener TCP:53 would have no Region taking traffic (every traffic dial 0)\n');
    for (const [fault, line] of [
      ['AccessDeniedException', 'AccessDeniedException: You don\'t have access permission.'],
      ['TransactionInProgressException', null],
    ] as const) {
      s.emulator.faults.set('UpdateEndpointGroup', { error: fault, count: 1 });
      const r = await gactl(['dial', 'eu-central-1', '20', '--listener', 'TCP:80'], s.env);
      if (line === null) t.equal(r.code, 0, 'TransactionInProgressException: started over, done');
      else t.same([r.code, r.stderr], [1, `gactl: ${line}\n`], fault);
    }
    s.emulator.faults.set('ListListeners', { error: 'InternalServiceErrorException' });
    const five = await gactl(['status'], { ...s.env, GACTL_RETRY_MAX_ATTEMPTS: '2', GACTL_RETRY_BASE_DELAY_MS: '1' });
    t.same([five.code, five.stderr], [1, 'gactl: InternalServiceErrorException: There was an internal error for Global Accelerator.\n'], '5xx until the tries are used up');
    s.emulator.faults.clear();
    const n = await gactl(['dial', 'eu-west-3', '1'], s.env);
    t.same([n.code, n.stderr], [1, 'gactl: no endpoint group in eu-west-3 (Regions: us-east-1, us-west-2, eu-central-1, ap-southeast-1)\n']);
    const l = await gactl(['weight', e1, '1', '--listener', 'UDP:80'], s.env);
    t.same([l.code, l.stderr], [1, 'gactl: no listener UDP:80 on the accelerator (listeners: TCP:80, UDP:53, TCP:53)\n']);
    const a = await gactl(['--accelerator', 'arn:aws:globalaccelerator::123456789012:accelerator/00000000-0000-0000-0000-000000000000', 'status'], s.env);
    t.same([a.code, a.stderr], [1, 'gactl: AcceleratorNotFoundException: Accelerator not found: arn:aws:globalaccelerator::123456789012:accelerator/00000000-0000-0000-0000-000000000000\n']);
    const refused = await gactl(['status'], { ...s.env, GACTL_ENDPOINT_URL: 'http://127.0.0.1:9' });
    t.same([refused.code, refused.stderr], [1, 'gactl: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9\n'], 'a wrong URL fails at once, not after retries');
  });
});

t.test('which accelerator: the only one, by name, by ARN; several', async (t) => {
  const s = await seed(t, { addressPool: '127.81.2.0/24', extraAccelerators: ['staging', 'seed'] });
  const { GACTL_ACCELERATOR: _acc, ...env } = s.env;
  const several = await gactl(['status'], env);
  t.equal(several.code, 2);
  t.match(several.stderr, /^gactl: the account has 3 accelerators: pass --accelerator NAME\|ARN \(seed arn:aws:globalaccelerator::123456789012:accelerator\/[0-9a-f-]{36}, staging arn:\S+, seed arn:\S+\)\n$/);
  const two = await gactl(['--accelerator', 'seed', 'status'], env);
  t.equal(two.code, 2);
  t.match(two.stderr, /^gactl: 2 accelerators are named seed: pass --accelerator with the ARN \(seed arn:\S+, seed arn:\S+\)\n$/);
  const named = await gactl(['status', '--accelerator', 'staging', '--output', 'json'], env);
  t.equal(named.code, 0, named.stderr);
  t.match(JSON.parse(named.stdout), { accelerator: { name: 'staging' }, listeners: [] });
  t.equal((await gactl(['status', '--accelerator', 'staging'], env)).stdout.split('\n').slice(-2).join('\n'), 'no listener\n', 'an empty accelerator');
  const byArn = await gactl(['--output', 'json', 'status'], { ...env, GACTL_ACCELERATOR: s.acceleratorArn });
  t.equal((JSON.parse(byArn.stdout) as { listeners: unknown[] }).listeners.length, 3);
  const none = await gactl(['--accelerator', 'prod', 'status'], env);
  t.same([none.code, none.stderr], [1, 'gactl: no accelerator named prod (there are: seed, staging, seed)\n']);
});

t.test('drain a Region: dial 0 with the failover warning; drain again keeps the first record; undrain restores each listener\'s dial', async (t) => {
  const s = await seed(t, { addressPool: '127.81.3.0/24' });
  t.equal((await gactl(['dial', 'eu-central-1', '50', '--listener', 'TCP:80,UDP:53'], s.env)).code, 0);
  const d = await gactl(['--output', 'json', 'drain', '--region', 'eu-central-1', '--listener', 'TCP:80'], s.env);
  t.equal(d.code, 0, d.stderr);
  t.equal(d.stderr, 'gactl: warning: Global Accelerator ignores a traffic dial of 0 when the other groups are unhealthy (failover): eu-central-1 may still get traffic on TCP:80\n');
  const first = JSON.parse(d.stdout) as { record: { key: string; value: string }; warnings: string[] };
  t.equal(first.record.key, 'gactl:drain:region:eu-central-1');
  t.match(first.record.value, /^[0-9a-f]{12}=50$/);
  t.same(first.warnings, [d.stderr.slice('gactl: warning: '.length, -1)], 'warnings are in the JSON too');
  const again = await gactl(['drain', '--region', 'eu-central-1'], s.env);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, new RegExp(`drain record: tag gactl:drain:region:eu-central-1 = ${first.record.value} [0-9a-f]{12}=50 [0-9a-f]{12}=100\n`), 'the first record\'s 50 kept, not the 0 it set');
  t.match(again.stdout, /^LISTENER +REGION +WHAT +BEFORE +AFTER\nUDP:53 +eu-central-1 +traffic dial +50 +0\nTCP:53 +eu-central-1 +traffic dial +100 +0\n/);
  const u = await gactl(['undrain', '--region', 'eu-central-1'], s.env);
  t.equal(u.code, 0, u.stderr);
  t.match(u.stdout, /TCP:80 +eu-central-1 +traffic dial +0 +50\nUDP:53 +eu-central-1 +traffic dial +0 +50\nTCP:53 +eu-central-1 +traffic dial +0 +100\n/);
  t.same([(await s.group('TCP:80', 'eu-central-1')).dial, (await s.group('UDP:53', 'eu-central-1')).dial, (await s.group('TCP:53', 'eu-central-1')).dial], [50, 50, 100]);
  const nothing = await gactl(['dial', 'eu-central-1', '50', '--listener', 'TCP:80'], s.env);
  t.equal(nothing.stdout, 'nothing to change: every value already holds\nDEPLOYED and verified\n');
});

t.test('progress on a terminal: the wait rewritten in place, retries and start-overs as lines', async (t) => {
  const tty = new PassThrough();
  let text = '';
  tty.setEncoding('utf8').on('data', (d: string) => (text += d));
  const stop = showProgress(tty);
  channel(CHANNELS.wait).publish({ acceleratorArn: 'a', status: 'IN_PROGRESS', elapsedMs: 1500 });
  channel(CHANNELS.wait).publish({ acceleratorArn: 'a', status: 'IN_PROGRESS', elapsedMs: 3200 });
  channel(CHANNELS.retry).publish({ operation: 'ListEndpointGroups', error: 'ThrottlingException', kind: 'throttling', attempt: 1, delayMs: 250 });
  channel(CHANNELS.redo).publish({ acceleratorArn: 'a', endpointGroupArn: 'g', reason: 'TransactionInProgressException', attempt: 1 });
  channel(CHANNELS.wait).publish({ acceleratorArn: 'a', status: 'DEPLOYED', elapsedMs: 4000 });
  stop();
  channel(CHANNELS.wait).publish({ acceleratorArn: 'a', status: 'IN_PROGRESS', elapsedMs: 1 });
  t.equal(text, [
    '\r\x1b[Kgactl: waiting for DEPLOYED (IN_PROGRESS, 2 s)',
    '\r\x1b[Kgactl: waiting for DEPLOYED (IN_PROGRESS, 3 s)',
    '\r\x1b[K', 'gactl: ThrottlingException from ListEndpointGroups: trying again in 0.3 s\n',
    'gactl: TransactionInProgressException: reading the group again\n',
  ].join(''), 'and nothing after stop()');
});
