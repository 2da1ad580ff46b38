/**
 * Flow logs as Global Accelerator writes them: one space-separated record per flow, direction
 * and capture window, with AWS's fields in AWS's order (Developer Guide, "Flow log record
 * syntax"), '-' for a field that does not apply, version 2.0 (with vpc_id) when the flow went
 * to an endpoint with client IP preservation, else 1.0. Records go to a stream and/or to files
 * laid out as the S3 keys AWS would write (plain text, not gzipped), appended in batches.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

export interface FlowRecord {
  readonly accountId: string;
  readonly acceleratorId: string;
  readonly clientIp: string;
  readonly clientPort: number;
  readonly acceleratorIp: string;
  readonly acceleratorPort: number;
  readonly endpointIp: string | undefined;
  readonly endpointPort: number | undefined;
  readonly protocol: 'TCP' | 'UDP';
  readonly packets: number;
  readonly bytes: number;
  /** Unix seconds. */
  readonly startTime: number;
  readonly endTime: number;
  readonly action: 'ACCEPT' | 'REJECT';
  readonly gaSourceIp: string | undefined;
  readonly gaSourcePort: number | undefined;
  readonly endpointRegion: string | undefined;
  /** Edge location code (`globalaccelerator_region`), e.g. FRA50. */
  readonly edge: string | undefined;
  readonly direction: 'INGRESS' | 'EGRESS';
  /** True: version 2.0 with vpc_id. */
  readonly preserved: boolean;
  readonly vpcId: string | undefined;
}

/** The record's fields, in AWS's order. */
export const FLOW_LOG_FIELDS = Object.freeze([
  'version', 'aws_account_id', 'accelerator_id', 'client_ip', 'client_port', 'accelerator_ip', 'accelerator_port', 'endpoint_ip', 'endpoint_port',
  'protocol', 'ip_address_type', 'packets', 'bytes', 'start_time', 'end_time', 'action', 'log-status', 'globalaccelerator_source_ip',
  'globalaccelerator_source_port', 'endpoint_region', 'globalaccelerator_region', 'direction', 'vpc_id',
] as const);

const IANA = { TCP: 6, UDP: 17 } as const;
const dash = (v: string | number | undefined) => (v === undefined || v === '' ? '-' : String(v));

export function formatFlowRecord(r: FlowRecord): string {
  const fields = [
    r.preserved ? '2.0' : '1.0', r.accountId, r.acceleratorId, r.clientIp, r.clientPort, r.acceleratorIp, r.acceleratorPort,
    dash(r.endpointIp), dash(r.endpointPort), IANA[r.protocol], 'IPv4', r.packets, r.bytes, Math.floor(r.startTime), Math.ceil(r.endTime),
    r.action, 'OK', dash(r.gaSourceIp), dash(r.gaSourcePort), dash(r.endpointRegion), dash(r.edge), r.direction,
  ];
  if (r.preserved) fields.push(dash(r.vpcId));
  return fields.join(' ');
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The S3 key AWS would write a record of this time into (5-minute files). */
export function flowLogKey(accountId: string, acceleratorId: string, bucket: string, prefix: string | undefined, at: Date): string {
  const t = new Date(Math.floor(at.getTime() / 300_000) * 300_000);
  const y = t.getUTCFullYear();
  const stamp = `${y}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}T${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}Z`;
  const parts = [bucket, ...(prefix ? [prefix] : []), 'AWSLogs', accountId, 'globalaccelerator', 'us-west-2', String(y), pad(t.getUTCMonth() + 1), pad(t.getUTCDate())];
  return `${parts.join('/')}/${accountId}_globalaccelerator_${acceleratorId}_${stamp}_emulator.log`;
}

/** Writes records to the configured sinks; file appends are batched and flushed every second and on close(). */
export class FlowLogWriter {
  readonly #stream: Writable | undefined;
  readonly #directory: string | undefined;
  readonly #pending = new Map<string, string[]>();
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  records = 0;

  constructor(stream: Writable | undefined, directory: string | undefined, onError: (err: unknown) => void) {
    this.#stream = stream;
    this.#directory = directory;
    this.#onError = onError;
  }

  get enabled(): boolean {
    return this.#stream !== undefined || this.#directory !== undefined;
  }

  write(record: FlowRecord, bucket: string | undefined, prefix: string | undefined): void {
    const line = `${formatFlowRecord(record)}\n`;
    this.records++;
    if (this.#stream) {
      try {
        this.#stream.write(line);
      } catch (e) {
        this.#onError(e);
      }
    }
    if (this.#directory && bucket) {
      const file = join(this.#directory, flowLogKey(record.accountId, record.acceleratorId, bucket, prefix, new Date(record.endTime * 1000)));
      const lines = this.#pending.get(file);
      if (lines) lines.push(line);
      else this.#pending.set(file, [line]);
      if (!this.#timer) {
        this.#timer = setTimeout(() => void this.flush(), 1000);
        this.#timer.unref();
      }
    }
  }

  /** Append everything pending to its files. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = [...this.#pending];
    this.#pending.clear();
    this.#flushing = this.#flushing.then(async () => {
      for (const [file, lines] of batch) {
        try {
          await mkdir(dirname(file), { recursive: true });
          await appendFile(file, lines.join(''));
        } catch (e) {
          this.#onError(e);
        }
      }
    });
    return this.#flushing;
  }
}
