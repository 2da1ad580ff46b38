/**
 * Loads uWebSockets.js and says which build and backend we got. Two builds come as aliased
 * npm dependencies, newest first: uWS 20.57 (binaries for Node 20/22/24/26, glibc >= 2.38)
 * and uWS 20.30 (Node 18/20, glibc >= 2.27). The first whose native binary loads on this host
 * wins: on Debian 13 or Ubuntu 24.04 with Node 24 that is 20.57, on Debian 12 or Amazon Linux
 * 2023 with Node 20 it is 20.30. When neither loads, only 20.30's slow pure-Node fallback is
 * left; that package switches to it silently (also when UWS_USE_FALLBACK is set) and prints
 * to the console. We load the native binaries ourselves, the same way the packages do, so we
 * know which one we have, never print anything, and load the fallback only when the caller
 * allows it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type * as Uws from 'uWebSockets.js';

export type UwsModule = typeof Uws;
export type UwsBackend = 'native' | 'fallback';

/** One uWebSockets.js build this package depends on. */
export interface UwsBuild {
  /** uWebSockets.js release the binaries are from. */
  readonly version: string;
  /** The npm package that republishes them. */
  readonly package: string;
  /** The dependency name it is installed under (package.json alias). */
  readonly alias: string;
  /** Folder of the `uws_<platform>_<arch>_<abi>.node` files, relative to the package. */
  readonly binaries: string;
  /** Oldest glibc its Linux binaries load on. */
  readonly glibc: string;
  /**
   * Seconds uWS lets a connection sit without a complete request before closing it (its
   * slowloris guard, checked every 4 s); measured, not configurable.
   */
  readonly idleTimeoutSeconds: number;
  /** The pure-Node fallback inside the package, if it has one. */
  readonly fallback?: string;
}

/** The builds, in the order they are tried. */
export const UWS_BUILDS: readonly UwsBuild[] = Object.freeze([
  { version: '20.57.0', package: '@btc-vision/uwebsockets.js', alias: 'uWebSockets.js-20.57', binaries: '.', glibc: '2.38', idleTimeoutSeconds: 30 },
  { version: '20.30.0', package: '@trufflesuite/uws-js-unofficial', alias: 'uWebSockets.js', binaries: 'binaries', glibc: '2.27', idleTimeoutSeconds: 10, fallback: 'dist/index.js' },
]);

/** What this process got: the build in use and, for the native backend, the binary loaded. */
export interface UwsChoice {
  readonly backend: UwsBackend;
  /** The build serving: the one whose binary loaded, or the one whose fallback is used. */
  readonly build: UwsBuild;
  /** Path of the native binary loaded (native only). */
  readonly binary?: string;
  /** Why no native binary is in use (fallback only). */
  readonly reason?: string;
}

/** A choice with what was loaded: the native module, or the first load error. */
export interface UwsProbe extends UwsChoice {
  readonly native?: UwsModule;
  readonly cause?: unknown;
}

const require = createRequire(import.meta.url);

let probe: UwsProbe | undefined;
let fallback: UwsModule | undefined;

/** True when UWS_USE_FALLBACK forces the fallback (the values the 20.30 package itself honours). */
export function fallbackForced(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.UWS_USE_FALLBACK;
  return v === 'true' || v === 'True' || v === 'TRUE' || v === '1';
}

/** Where a dependency is installed (found the way require() looks: node_modules up the tree). */
function packageDir(alias: string): string | undefined {
  for (const base of require.resolve.paths(alias) ?? []) {
    if (existsSync(join(base, alias, 'package.json'))) return join(base, alias);
  }
  return undefined;
}

/**
 * Try each build's native binary for this platform, arch and Node ABI, in order; the first
 * that loads and exports App wins. Otherwise the backend is the fallback of the last build
 * that has one, with every build's reason. Exported for tests (with their own builds).
 */
export function probeBuilds(builds: readonly UwsBuild[], env: NodeJS.ProcessEnv = process.env): UwsProbe {
  const withFallback = [...builds].reverse().find((b) => b.fallback) ?? builds[builds.length - 1];
  if (!withFallback) throw new TypeError('probeBuilds needs at least one build');
  if (fallbackForced(env)) return { backend: 'fallback', build: withFallback, reason: 'UWS_USE_FALLBACK is set' };
  const file = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const reasons: string[] = [];
  let cause: unknown;
  for (const build of builds) {
    const dir = packageDir(build.alias);
    if (!dir) {
      reasons.push(`uWS ${build.version} (${build.alias}) is not installed`);
      continue;
    }
    const binary = join(resolve(dir, build.binaries), file);
    if (!existsSync(binary)) {
      reasons.push(`uWS ${build.version} has no ${file}`);
      continue;
    }
    try {
      const native = require(binary) as UwsModule;
      if (typeof native.App !== 'function' || typeof native.us_listen_socket_close !== 'function') throw new Error(`${file} does not export App`);
      return { backend: 'native', build, binary, native };
    } catch (err) {
      cause ??= err;
      const msg = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
      reasons.push(`uWS ${build.version} ${file} did not load (needs glibc >= ${build.glibc}): ${msg}`);
    }
  }
  return { backend: 'fallback', build: withFallback, reason: `no native binary loads: ${reasons.join('; ')}`, cause };
}

function detect(): UwsProbe {
  probe ??= probeBuilds(UWS_BUILDS);
  return probe;
}

/** Which uWebSockets.js backend this process gets: 'native' (a C++ binary) or 'fallback' (pure Node, slow). */
export function uwsBackend(): UwsBackend {
  return detect().backend;
}

/** The build and backend this process gets, without starting anything. */
export function uwsChoice(): UwsChoice {
  const { backend, build, binary, reason } = detect();
  return { backend, build, ...(binary ? { binary } : {}), ...(reason ? { reason } : {}) };
}

/** Why the native backend is not in use, or undefined when it is. */
export function uwsFallbackReason(): string | undefined {
  return detect().reason;
}

/** The uWS module for the backend in use (loads the fallback on first use). */
export function loadUws(): { uws: UwsModule; backend: UwsBackend } {
  const p = detect();
  if (p.native) return { uws: p.native, backend: 'native' };
  const dir = packageDir(p.build.alias);
  if (!p.build.fallback || !dir) throw new Error(`uWS ${p.build.version}: no fallback installed (${p.reason ?? ''})`);
  fallback ??= require(join(dir, p.build.fallback)) as UwsModule;
  return { uws: fallback, backend: 'fallback' };
}

/** The cause recorded when the first native binary failed to load. */
export function uwsLoadCause(): unknown {
  return detect().cause;
}
