/**
 * Loads uWebSockets.js and says which backend we got. The npm package behind the
 * `uWebSockets.js` alias silently falls back to a slow pure-Node implementation when its
 * native binary does not load (and when UWS_USE_FALLBACK is set), printing to the console.
 * We load the native binary ourselves, the same way the package does, so we know which one
 * we have, never print anything, and load the fallback only when the caller allows it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Uws from 'uWebSockets.js';

export type UwsModule = typeof Uws;
export type UwsBackend = 'native' | 'fallback';

const require = createRequire(import.meta.url);

interface Probe {
  backend: UwsBackend;
  /** Why the native binary is not in use (fallback only). */
  reason?: string;
  native?: UwsModule;
  cause?: unknown;
}

let probe: Probe | undefined;
let fallback: UwsModule | undefined;

/** True when UWS_USE_FALLBACK forces the fallback (the values the package itself honours). */
export function fallbackForced(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.UWS_USE_FALLBACK;
  return v === 'true' || v === 'True' || v === 'TRUE' || v === '1';
}

function packageDir(): string {
  return dirname(require.resolve('uWebSockets.js/package.json'));
}

function detect(): Probe {
  if (probe) return probe;
  if (fallbackForced()) {
    probe = { backend: 'fallback', reason: 'UWS_USE_FALLBACK is set' };
    return probe;
  }
  const file = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  try {
    const native = require(join(packageDir(), 'binaries', file)) as UwsModule;
    if (typeof native.App !== 'function' || typeof native.us_listen_socket_close !== 'function') throw new Error(`${file} does not export App`);
    probe = { backend: 'native', native };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    probe = { backend: 'fallback', reason: `native binary ${file} did not load: ${msg}`, cause: err };
  }
  return probe;
}

/** Which uWebSockets.js backend this process gets: 'native' (the C++ binary) or 'fallback' (pure Node, slow). */
export function uwsBackend(): UwsBackend {
  return detect().backend;
}

/** Why the native backend is not in use, or undefined when it is. */
export function uwsFallbackReason(): string | undefined {
  return detect().reason;
}

/** The uWS module for `backend` (loads the fallback on first use). */
export function loadUws(): { uws: UwsModule; backend: UwsBackend } {
  const p = detect();
  if (p.native) return { uws: p.native, backend: 'native' };
  fallback ??= require(join(packageDir(), 'dist', 'index.js')) as UwsModule;
  return { uws: fallback, backend: 'fallback' };
}

/** The cause recorded when the native binary failed to load. */
export function uwsLoadCause(): unknown {
  return detect().cause;
}
