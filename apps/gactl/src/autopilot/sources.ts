/** Placeholder for the load sources (the helper's branch issue-17-sources replaces this file). */
export interface Target { id: string; region: string; metrics: string }
export interface EndpointLoad { id: string; rate: number | null; http: number | null; dns: number | null; error?: string }
export interface RegionLoad {
  region: string;
  rate: number | null;
  http: number | null;
  dns: number | null;
  why?: string;
  endpoints: EndpointLoad[];
}
export interface LoadReading { at: number; intervalSeconds: number | null; regions: Map<string, RegionLoad> }
export interface Expected { id: string; region: string }
export interface LoadSource {
  readonly kind: 'targets' | 'ec2' | 'prometheus';
  read(expected: readonly Expected[]): Promise<LoadReading>;
  close(): void;
}
import type { EC2Client } from '@aws-sdk/client-ec2';
export function readTargetsFile(file: string): Target[] { throw new Error(`pending: ${file}`); }
export function scrapeSource(options: { targets: (expected: readonly Expected[]) => Promise<Target[]> | Target[]; timeoutMs?: number; now?: () => number; concurrency?: number }): LoadSource { throw new Error(`pending ${String(options)}`); }
export function ec2Targets(options: { client: (region: string) => EC2Client; port: number; address: 'private' | 'public' }): (expected: readonly Expected[]) => Promise<Target[]> { throw new Error(`pending ${String(options)}`); }
export function prometheusSource(options: { url: string; window: number; timeoutMs?: number; now?: () => number }): LoadSource { throw new Error(`pending ${String(options)}`); }
