/**
 * The command's settings: the libraries' own option descriptions mounted where a user finds
 * them (`identity.*`, `http.*`, `dns.*`), less what the command sets itself, plus the few
 * settings that belong to the command (log level, drain time, the metrics listener). Flags,
 * environment variables, config-file keys, defaults and --help are all derived from this tree
 * (@anycast-origin/options); nothing here restates a library's default or range.
 *
 * What the command sets itself: each origin's `identity` (resolved once), `version` (this
 * package's), `drainSeconds` (one setting for both) and the HTTP origin's `metricsExtra` (the
 * DNS counters).
 */
import { OPTIONS as DNS_OPTIONS } from '@anycast-origin/dns-origin';
import type { DnsOriginOptions } from '@anycast-origin/dns-origin';
import { DEFAULTS as HTTP_DEFAULTS, OPTIONS as HTTP_OPTIONS } from '@anycast-origin/http-origin';
import type { HttpOriginOptions, ResolvedOptions as HttpResolved } from '@anycast-origin/http-origin';
import { OPTIONS as IDENTITY_OPTIONS } from '@anycast-origin/identity';
import type { ResolveIdentityOptions } from '@anycast-origin/identity';
import { parseHostPort } from '@anycast-origin/net';
import { flagsOf, o, withoutOptions } from '@anycast-origin/options';
import type { Flag } from '@anycast-origin/options';

/** Prefix of the command's environment variables. */
export const ENV_PREFIX = 'ORIGIN_';

/** What each library's options lose when the command mounts them. */
export const SET_BY_COMMAND = Object.freeze({
  identity: ['env', 'os', 'dmiPath'],
  http: ['identity', 'version', 'drainSeconds', 'metricsExtra'],
  dns: ['identity', 'version', 'drainSeconds'],
} as const);

const isListen = (s: string): boolean => {
  if (s === 'off') return true;
  try {
    parseHostPort(s);
    return true;
  } catch {
    return false;
  }
};

/** The command's own settings (not a library's). */
const commandOptions = {
  logLevel: o.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', doc: 'log level (JSON lines on stdout)' }),
  drainSeconds: o.number({
    min: 0, max: 86_400, default: HTTP_DEFAULTS.drainSeconds, unit: 's',
    doc: 'on SIGTERM: /healthz 503 and the DNS TCP listener closed at once, serving goes on this long, then exit 0 (the origins\' own default)',
  }),
  metrics: o.string({
    check: isListen, expects: 'ADDR:PORT, [IPv6]:PORT or off', defaultText: "the HTTP origin's /metrics when HTTP runs, else off",
    doc: 'a listener of its own for /metrics (HTTP and DNS counters); /metrics then leaves the public HTTP port',
  }),
};

export const SETTINGS = o.group({
  ...commandOptions,
  identity: withoutOptions(IDENTITY_OPTIONS, SET_BY_COMMAND.identity, { doc: 'who this host is (@anycast-origin/identity)' }),
  http: withoutOptions(HTTP_OPTIONS, SET_BY_COMMAND.http, { off: true, doc: 'the HTTP origin (@anycast-origin/http-origin); off: no HTTP' }),
  dns: withoutOptions(DNS_OPTIONS, SET_BY_COMMAND.dns, { off: true, doc: 'the DNS origin (@anycast-origin/dns-origin); off: no DNS' }),
}, { doc: 'anycast-origin settings' });

type Without<T, K extends PropertyKey> = Omit<NonNullable<T>, K>;
/** Validated settings (every default filled in). */
export interface Settings {
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  drainSeconds: number;
  metrics: string | undefined;
  identity: Without<ResolveIdentityOptions, (typeof SET_BY_COMMAND.identity)[number]>;
  http: false | (Without<HttpOriginOptions, (typeof SET_BY_COMMAND.http)[number]> & Pick<HttpResolved, 'host' | 'port'>);
  dns: false | (Without<DnsOriginOptions, (typeof SET_BY_COMMAND.dns)[number]> & { host: string; port: number });
}

/**
 * Every flag. The identity library reads its own variables (ORIGIN_ID, ...,
 * AWS_EC2_METADATA_SERVICE_ENDPOINT) so that it records them as the `env` source: those flags
 * show the variable in --help, but the command does not read it for them.
 */
export const FLAGS: readonly Flag[] = Object.freeze(flagsOf(SETTINGS, { envPrefix: ENV_PREFIX }));

/** Flags whose variable a library reads itself. */
export function libraryReadsEnv(f: Flag): boolean {
  return f.path[0] === 'identity' && f.meta.env !== undefined;
}
