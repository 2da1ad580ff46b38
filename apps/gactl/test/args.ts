/**
 * The command line as parsed: flags before and after the command, GACTL_* variables below
 * flags, --region before the command (the API's) and after drain (the Region to drain),
 * --listener repeated or comma-separated, positional arguments checked by their descriptions.
 */
import t from 'tap';
import { parseArgs } from '../src/index.js';

const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = parseArgs(argv, env, '0.0.0');
  if (r.kind !== 'run') throw new Error('expected a command');
  return r;
};

t.test('global flags: before or after the command, variables below flags', async (t) => {
  t.match(run(['status']).settings, { output: 'table', wait: true, timeout: 600, retry: { maxAttempts: 8 } });
  t.match(run(['--output', 'json', 'status']).settings, { output: 'json' });
  t.match(run(['status', '--output', 'json']).settings, { output: 'json' });
  t.match(run(['--output', 'table', 'status', '--output', 'json']).settings, { output: 'json' }, 'after the command wins');
  t.match(run(['status'], { GACTL_OUTPUT: 'json', GACTL_WAIT: '0', GACTL_RETRY_MAX_ATTEMPTS: '3' }).settings, { output: 'json', wait: false, retry: { maxAttempts: 3 } });
  t.match(run(['--output', 'table', 'status'], { GACTL_OUTPUT: 'json' }).settings, { output: 'table' }, 'flag beats variable');
  t.match(run(['dial', 'eu-central-1', '5', '--no-wait', '--timeout', '2.5']).settings, { wait: false, timeout: 2.5 });
  t.equal(run(['status'], { GACTL_ACCELERATOR: '' }).settings.accelerator, undefined, 'an empty variable is unset');
});

t.test('--region: the API\'s before the command, the Region to drain after drain/undrain', async (t) => {
  const r = run(['--region', 'us-west-2', 'drain', '--region', 'eu-central-1']);
  t.equal(r.settings.region, 'us-west-2');
  t.equal(r.flags.region, 'eu-central-1');
  t.same(r.args, {});
  t.same(run(['undrain', '--region', 'ap-southeast-1']).flags, { region: 'ap-southeast-1' });
});

t.test('arguments and command flags', async (t) => {
  t.same(run(['dial', 'eu-central-1', '37.5']).args, { region: 'eu-central-1', percent: 37.5 });
  t.same(run(['weight', 'i-0123', '0', '--listener', 'TCP:80', '--listener', 'udp:53,TCP:53']).flags, { listener: ['TCP:80', 'udp:53', 'TCP:53'], force: false });
  t.same(run(['drain', 'i-0123', '--force']).flags, { force: true });
  t.same(run(['drain', 'i-0123']).args, { endpointId: 'i-0123' });
  t.same(run(['apply', '--config', 'c.json', '--dry-run']).flags, { config: 'c.json', dryRun: true, force: false });
  t.throws(() => run(['weight', 'i-1', '-3']), { code: 'GACTL_ERR_USAGE' }, 'a negative number is an unknown option to commander');
  t.throws(() => run(['weight', 'i-1', '2', 'extra']), { code: 'GACTL_ERR_USAGE', message: /too many arguments/ });
});
