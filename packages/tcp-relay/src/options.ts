/**
 * createTcpRelay()'s and listen()'s options, described once (@anycast-origin/options): types,
 * defaults, validation and the README's two tables come from here.
 */
import { z } from 'zod';
import { o } from '@anycast-origin/options';
import type { OptionsInput, OptionsOutput } from '@anycast-origin/options';

const fn = <T>() => z.custom<T>((v) => typeof v === 'function');

/** Where an accepted connection goes: the upstream's address and port, and the local address to connect from. */
export interface RelayTarget {
  readonly address: string;
  readonly port: number;
  /** Bind the upstream socket to this address (port 0) before connecting; by default the kernel picks. */
  readonly localAddress?: string | undefined;
  /** false: the flow's reports carry `localPort` 0 and the relay spends no getsockname(2) on it (one system call per connection); by default the port is read. */
  readonly wantsLocalPort?: boolean | undefined;
}

/** How a flow ended. */
export type EndReason = 'closed' | 'client-reset' | 'upstream-reset' | 'connect-failed' | 'idle' | 'evicted' | 'listener-closed' | 'relay-closed';

/** A flow's totals: at its end (`final`), or so far (collect()). */
export interface FlowReport<T extends RelayTarget = RelayTarget> {
  /** What onConnection returned for it. */
  readonly target: T;
  /** The end record (once per flow); false for collect()'s totals so far. */
  readonly final: boolean;
  /** Why it ended (final only). */
  readonly reason: EndReason | undefined;
  /** The system error of a reset or failed connect (`ECONNREFUSED`...). */
  readonly error: string | undefined;
  /** When the connection was accepted and when this was reported (ms since the epoch). */
  readonly startTime: number;
  readonly time: number;
  /** Client to upstream: bytes, and reads of the client socket that returned data (segments as the relay saw them). */
  readonly bytesIn: number;
  readonly packetsIn: number;
  /** Upstream to client. */
  readonly bytesOut: number;
  readonly packetsOut: number;
  /** The upstream socket's local port (0 when it was never bound, or the target said `wantsLocalPort: false`). */
  readonly localPort: number;
}

export type ConnectionHandler<T extends RelayTarget = RelayTarget> = (clientAddress: string, clientPort: number) => T | null | undefined;

export const OPTIONS = o.group({
  maxFlows: o.integer({ min: 1, max: 1_000_000, default: 4096, doc: 'flows open at once; at the limit the least recently active one is closed for a new one' }),
  idleTimeoutSeconds: o.number({ min: 0.01, max: 86_400, default: 300, unit: 's', doc: 'a flow with no byte either way for this long is closed' }),
  bufferBytes: o.integer({ min: 1024, max: 1 << 20, default: 16_384, unit: 'bytes', doc: 'bytes read at once; a side whose peer is full waits with at most this much (one buffer per direction, allocated only then)' }),
  transfer: o.enum(['copy', 'splice'], { default: 'copy', doc: "'copy': recv/send through one buffer; 'splice': splice(2) through a pipe per direction (no copy to user space; costs more per small exchange)" }),
  onFlowEnd: o.custom(fn<(report: FlowReport) => void>(), { expects: 'a function', doc: "called once per flow when it ends, with its FlowReport (batched: one native call per event-loop turn)" }),
  onError: o.custom(fn<(error: Error) => void>(), { expects: 'a function', doc: 'errors that stop nothing: a failed accept (EMFILE: the connection is reset)' }),
}, { doc: 'TCP relay options' });

export const LISTEN_OPTIONS = o.group({
  host: o.ip({ required: true, doc: "IP literal to listen on ('::' is dual-stack: IPv4 clients arrive IPv4-mapped)" }),
  port: o.integer({ min: 0, max: 65_535, default: 0, doc: 'TCP port; 0 = an ephemeral one' }),
  backlog: o.integer({ min: 1, max: 65_535, default: 511, doc: 'listen(2) backlog (capped by net.core.somaxconn)' }),
  onConnection: o.custom(fn<ConnectionHandler>(), { required: true, expects: 'a function', doc: 'called once per accepted connection: where to relay it ({ address, port, localAddress?, wantsLocalPort? }), or null to reset it' }),
}, { doc: 'listen options' });

export const LISTEN_TABLE_START = '<!-- listen-options:start (generated from the option descriptions: npm run docs) -->';
export const LISTEN_TABLE_END = '<!-- listen-options:end -->';

export type TcpRelayOptions = OptionsInput<typeof OPTIONS>;
export type ResolvedTcpRelayOptions = OptionsOutput<typeof OPTIONS>;
export type ListenOptions = OptionsInput<typeof LISTEN_OPTIONS>;
