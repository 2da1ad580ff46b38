/**
 * The load sources' options that `gactl autopilot` also takes as flags, described once: the
 * libraries (scrapeSource, prometheusSource, ec2Targets) put them in their option groups and
 * the command's flags are these same descriptions under its own names (--scrape-timeout-ms,
 * --window, --metrics-port, --metrics-address), so range, default and doc cannot drift apart.
 * A leaf module: options.ts and the sources both import it.
 */
import { o } from '@anycast-origin/options';

/** scrapeSource's and prometheusSource's `timeoutMs`; the command's --scrape-timeout-ms. */
export const SOURCE_TIMEOUT_MS = o.integer({
  min: 1, max: 300_000, default: 5000, unit: 'ms',
  doc: 'longest time one read of the load may take: a /metrics scrape (connect, headers and page) or a Prometheus query',
});

/** prometheusSource's `window`; the command's --window. */
export const PROMETHEUS_WINDOW = o.integer({
  min: 1, max: 86_400, default: 60, unit: 's',
  doc: 'with Prometheus: the range of rate(), at least two of Prometheus\'s scrape intervals',
});

/** ec2Targets's `port`; the command's --metrics-port (anycast-origin's HTTP port, where /metrics is). */
export const METRICS_PORT = o.integer({
  min: 1, max: 65_535, default: 8080,
  doc: 'with EC2 discovery: the origins\' HTTP port, where /metrics is',
});

/** ec2Targets's `address`; the command's --metrics-address. */
export const METRICS_ADDRESS = o.enum(['private', 'public'], {
  default: 'private',
  doc: 'with EC2 discovery: scrape each instance on its private or its public IPv4 address',
});
