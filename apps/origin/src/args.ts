/**
 * Flags and environment variables of the anycast-origin command (commander), turned into
 * validated Settings together with the config file. Precedence: flags > env > file > defaults.
 */
import { Command, CommanderError, Option } from 'commander';
import { DEFAULTS, readConfigFile, resolveSettings } from './config.js';
import type { Settings, SettingsLayer } from './config.js';
import { UsageError } from './errors.js';

type Kind = 'string' | 'int' | 'bool' | 'list';

interface FlagSpec {
  /** commander flag text */
  flags: string;
  /** dotted settings key (`threads`, `zone.a`, `rrl.slip`) */
  key: string;
  kind: Kind;
  env?: string;
  description: string;
  /** shown in --help */
  defaultText?: string;
  choices?: readonly string[];
}

/** Every flag, its environment variable and its config key. --help is generated from this. */
export const FLAGS: readonly FlagSpec[] = Object.freeze([
  { flags: '--http <addr>', key: 'http', kind: 'string', env: 'ORIGIN_HTTP', description: 'HTTP listen address, ADDR:PORT or off', defaultText: DEFAULTS.http },
  { flags: '--dns <addr>', key: 'dns', kind: 'string', env: 'ORIGIN_DNS', description: 'DNS listen address (UDP and TCP), ADDR:PORT or off', defaultText: DEFAULTS.dns },
  { flags: '--id <id>', key: 'id', kind: 'string', env: 'ORIGIN_ID', description: 'identity string answered (at most 255 bytes)', defaultText: '<instance-id>.<az> on EC2, else the hostname' },
  { flags: '--region <region>', key: 'region', kind: 'string', env: 'ORIGIN_REGION', description: 'AWS region reported', defaultText: 'from the zone' },
  { flags: '--az <zone>', key: 'az', kind: 'string', env: 'ORIGIN_AZ', description: 'availability zone reported', defaultText: 'from instance metadata' },
  { flags: '--identity-source <mode>', key: 'identitySource', kind: 'string', env: 'ORIGIN_IDENTITY_SOURCE', description: 'where the identity comes from: auto (IMDS only on EC2), imds, env or os', defaultText: DEFAULTS.identitySource, choices: ['auto', 'imds', 'env', 'os'] },
  { flags: '--imds-endpoint <url>', key: 'imdsEndpoint', kind: 'string', env: 'AWS_EC2_METADATA_SERVICE_ENDPOINT', description: 'instance metadata endpoint', defaultText: 'http://169.254.169.254' },
  { flags: '--threads <n>', key: 'threads', kind: 'int', env: 'ORIGIN_THREADS', description: 'HTTP worker threads', defaultText: `${DEFAULTS.threads} (cores)` },
  { flags: '--dns-workers <n>', key: 'dnsWorkers', kind: 'int', env: 'ORIGIN_DNS_WORKERS', description: 'DNS worker processes sharing the UDP port', defaultText: String(DEFAULTS.dnsWorkers) },
  { flags: '--dns-udp <mode>', key: 'dnsUdp', kind: 'string', env: 'ORIGIN_DNS_UDP', description: "DNS UDP I/O: mmsg (batched recvmmsg/sendmmsg, Linux addon), node (Node's UDP socket) or auto (mmsg when it loads)", defaultText: DEFAULTS.dnsUdp, choices: ['auto', 'mmsg', 'node'] },
  { flags: '--zone <name>', key: 'zone.name', kind: 'string', env: 'ORIGIN_ZONE', description: 'serve this zone authoritatively (id.<zone>, whoami.<zone>, SOA, NS, A, AAAA)', defaultText: 'none' },
  { flags: '--zone-a <ips>', key: 'zone.a', kind: 'list', env: 'ORIGIN_ZONE_A', description: 'A records at the zone apex, comma-separated' },
  { flags: '--zone-aaaa <ips>', key: 'zone.aaaa', kind: 'list', env: 'ORIGIN_ZONE_AAAA', description: 'AAAA records at the zone apex, comma-separated' },
  { flags: '--zone-ns <names>', key: 'zone.ns', kind: 'list', env: 'ORIGIN_ZONE_NS', description: 'NS records at the zone apex, comma-separated', defaultText: 'ns1.<zone>' },
  { flags: '--zone-ttl <seconds>', key: 'zone.ttl', kind: 'int', env: 'ORIGIN_ZONE_TTL', description: 'TTL of the zone records', defaultText: '300' },
  { flags: '--no-rrl', key: 'rrl', kind: 'bool', env: 'ORIGIN_NO_RRL', description: 'switch DNS response rate limiting off', defaultText: 'on' },
  { flags: '--rrl-rate <n>', key: 'rrl.responsesPerSecond', kind: 'int', env: 'ORIGIN_RRL_RATE', description: 'RRL responses per second per source prefix', defaultText: '200' },
  { flags: '--rrl-window <seconds>', key: 'rrl.windowSeconds', kind: 'int', env: 'ORIGIN_RRL_WINDOW', description: 'RRL accounting window', defaultText: '15' },
  { flags: '--rrl-slip <n>', key: 'rrl.slip', kind: 'int', env: 'ORIGIN_RRL_SLIP', description: 'every n-th limited response is a truncated (TC) answer; 0 never', defaultText: '2' },
  { flags: '--rrl-ipv4-prefix <len>', key: 'rrl.ipv4PrefixLength', kind: 'int', env: 'ORIGIN_RRL_IPV4_PREFIX', description: 'RRL IPv4 source prefix length', defaultText: '24' },
  { flags: '--rrl-ipv6-prefix <len>', key: 'rrl.ipv6PrefixLength', kind: 'int', env: 'ORIGIN_RRL_IPV6_PREFIX', description: 'RRL IPv6 source prefix length', defaultText: '56' },
  { flags: '--hide-version', key: 'hideVersion', kind: 'bool', env: 'ORIGIN_HIDE_VERSION', description: 'refuse version.server / version.bind' },
  { flags: '--hide-identity', key: 'hideIdentity', kind: 'bool', env: 'ORIGIN_HIDE_IDENTITY', description: 'refuse id.server / hostname.bind and NSID' },
  { flags: '--drain-seconds <n>', key: 'drainSeconds', kind: 'int', env: 'ORIGIN_DRAIN_SECONDS', description: 'on SIGTERM keep serving this long with /healthz at 503', defaultText: String(DEFAULTS.drainSeconds) },
  { flags: '--log-level <level>', key: 'logLevel', kind: 'string', env: 'ORIGIN_LOG_LEVEL', description: 'fatal, error, warn, info, debug, trace or silent', defaultText: DEFAULTS.logLevel },
  { flags: '--allow-uws-fallback', key: 'allowUwsFallback', kind: 'bool', env: 'ORIGIN_ALLOW_UWS_FALLBACK', description: "run on uWebSockets.js's slow pure-Node fallback if the native binary does not load" },
] satisfies FlagSpec[]);

const CONFIG_FLAG = { flags: '--config <file>', env: 'ORIGIN_CONFIG', description: 'JSON config file (keys as in the README; unknown keys are errors)' };

function optionName(spec: FlagSpec): string {
  return (/--(?:no-)?([a-z0-9-]+)/.exec(spec.flags)?.[1] ?? spec.key).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function flagName(spec: FlagSpec): string {
  return spec.flags.split(' ')[0] as string;
}

function parseValue(spec: FlagSpec, raw: string, label: string): unknown {
  switch (spec.kind) {
    case 'int': {
      if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${label}: ${JSON.stringify(raw)} is not a non-negative integer`);
      return Number(raw.trim());
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      throw new UsageError(`${label}: ${JSON.stringify(raw)} is not a boolean (1/0, true/false, yes/no)`);
    }
    default:
      if (spec.choices && !spec.choices.includes(raw)) throw new UsageError(`${label}: ${JSON.stringify(raw)} is not one of ${spec.choices.join(', ')}`);
      return raw;
  }
}

function setPath(target: Record<string, unknown>, key: string, value: unknown) {
  const [head, sub] = key.split('.') as [string, string | undefined];
  if (sub === undefined) {
    target[head] = value;
    return;
  }
  const obj = (target[head] && typeof target[head] === 'object' ? target[head] : {}) as Record<string, unknown>;
  obj[sub] = value;
  target[head] = obj;
}

/** The commander program: --help lists every flag with its default and environment variable. */
export function buildProgram(version: string): Command {
  const program = new Command('anycast-origin')
    .description('Anycast origin: HTTP and DNS identity responders that say which instance, zone and region answered.')
    .version(version, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  for (const spec of FLAGS) {
    const extra = [spec.defaultText ? `default: ${spec.defaultText}` : '', spec.env ? `env: ${spec.env}` : ''].filter(Boolean).join('; ');
    const opt = new Option(spec.flags, `${spec.description}${extra ? ` (${extra})` : ''}`);
    if (spec.kind === 'string' || spec.kind === 'int' || spec.kind === 'list') opt.argParser((v: string) => v);
    program.addOption(opt);
  }
  program.addOption(new Option(CONFIG_FLAG.flags, `${CONFIG_FLAG.description} (env: ${CONFIG_FLAG.env})`));
  return program;
}

export type ParseResult = { kind: 'run'; settings: Settings; configFile?: string } | { kind: 'exit'; code: number; output: string };

/**
 * Parse argv (without node and script) and env into Settings. `--help`/`--version` return the
 * text to print; any bad flag, variable or config entry throws a UsageError/ConfigFileError.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv, version: string): ParseResult {
  const program = buildProgram(version);
  let out = '';
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: () => {} });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return { kind: 'exit', code: 0, output: out };
      throw new UsageError(e.message.replace(/^error: /, ''), { cause: e });
    }
    throw e;
  }
  const opts = program.opts<Record<string, unknown>>();

  const flagLayer: SettingsLayer = { config: {}, labels: {} };
  const envLayer: SettingsLayer = { config: {}, labels: {} };
  for (const spec of FLAGS) {
    const name = optionName(spec);
    const source = program.getOptionValueSource(name);
    if (source === 'cli') {
      const raw = opts[name];
      let value: unknown;
      if (spec.flags === '--no-rrl') value = raw === false ? false : undefined;
      else if (spec.kind === 'bool') value = raw === true;
      else value = parseValue(spec, String(raw), flagName(spec));
      if (value !== undefined) {
        setPath(flagLayer.config, spec.key, value);
        flagLayer.labels[spec.key] = flagName(spec);
      }
    }
    const envRaw = spec.env ? env[spec.env] : undefined;
    // Identity variables (ORIGIN_ID, ORIGIN_REGION, ORIGIN_AZ, AWS_EC2_METADATA_SERVICE_ENDPOINT)
    // are read by @anycast-origin/identity itself, so that it records them as the 'env' source.
    const identityEnv = ['id', 'region', 'az', 'imdsEndpoint'].includes(spec.key);
    if (spec.env && envRaw !== undefined && envRaw !== '' && !identityEnv) {
      let value = parseValue(spec, envRaw, spec.env);
      if (spec.flags === '--no-rrl') value = value === true ? false : undefined;
      if (value !== undefined) {
        setPath(envLayer.config, spec.key, value);
        envLayer.labels[spec.key] = spec.env;
      }
    }
  }
  const rrlFlags = Object.keys(flagLayer.labels).filter((k) => k.startsWith('rrl.'));
  if (opts.rrl === false && rrlFlags.length) {
    throw new UsageError(`--no-rrl conflicts with ${rrlFlags.map((k) => flagLayer.labels[k]).join(', ')}`);
  }
  if (opts.rrl === false) flagLayer.config.rrl = false;
  const configFile = (opts.config as string | undefined) ?? (env.ORIGIN_CONFIG || undefined);
  const layers: SettingsLayer[] = [];
  if (configFile) {
    const file = readConfigFile(configFile) as Record<string, unknown>;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(file)) {
      labels[k] = `${configFile}: ${k}`;
      if (v && typeof v === 'object' && !Array.isArray(v)) for (const sub of Object.keys(v)) labels[`${k}.${sub}`] = `${configFile}: ${k}.${sub}`;
    }
    layers.push({ config: file, labels });
  }
  layers.push(envLayer, flagLayer);
  for (const l of [envLayer, flagLayer]) {
    const zone = l.config.zone as Record<string, unknown> | undefined;
    if (zone && zone.name === undefined && !layers.some((x) => (x.config.zone as Record<string, unknown> | undefined)?.name !== undefined)) {
      const first = Object.keys(zone)[0] ?? 'a';
      throw new UsageError(`${l.labels[`zone.${first}`] ?? 'zone'}: needs a zone name (--zone)`);
    }
  }
  const settings = resolveSettings(layers);
  return configFile ? { kind: 'run', settings, configFile } : { kind: 'run', settings };
}
