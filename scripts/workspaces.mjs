// The repository's workspaces as a consumer installs them, written once for the artifact script
// and the install tests: which workspaces a package needs at run time, and an offline install
// of their tarballs into an empty directory.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** `[dir relative to root, package.json]` for every workspace (the root package.json's globs). */
function allWorkspaces(root) {
  const globs = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
  const dirs = globs.flatMap((g) => (g.endsWith('/*') ? readdirSync(join(root, g.slice(0, -2))).map((d) => `${g.slice(0, -2)}/${d}`) : [g]));
  return dirs.filter((d) => existsSync(join(root, d, 'package.json'))).map((d) => [d, JSON.parse(readFileSync(join(root, d, 'package.json'), 'utf8'))]);
}

/** Workspace dirs the named package needs at run time (dependencies and optional ones, transitively), the package last. */
export function productionWorkspaces(root, name = 'anycast-origin') {
  const byName = new Map(allWorkspaces(root).map(([dir, pkg]) => [pkg.name, { dir, pkg }]));
  const out = [];
  const seen = new Set();
  const visit = (n) => {
    const ws = byName.get(n);
    if (!ws || seen.has(n)) return;
    seen.add(n);
    for (const dep of Object.keys({ ...ws.pkg.dependencies, ...ws.pkg.optionalDependencies })) visit(dep);
    out.push(ws.dir);
  };
  visit(name);
  return out;
}

/** Where npm finds `dep` from a package at lockfile path `from` (its own node_modules, then its parents'). */
function resolveIn(packages, from, dep) {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${dep}`;
    if (packages[candidate] && !packages[candidate].link) return candidate;
    if (base === '') return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i >= 0 ? base.slice(0, i) : '';
  }
}

/**
 * Install workspace tarballs (`[{ dir, tarball }]`) into the empty directory `dir` without a
 * registry: a package-lock.json for the consumer made from the repository's own lockfile (the
 * exact third-party versions with their `resolved` and `integrity`, in the same layout), then
 * `npm ci --offline`, which needs only the tarballs the repository's own `npm ci` put in npm's
 * cache, found by integrity. (`npm install --offline` would resolve every range from cached
 * registry metadata, which `npm ci` never fetches.) `as`: the directory holds that workspace
 * unpacked (the artifact), installed as the root package rather than as a dependency.
 * `npmArgs` go to npm ci (default --ignore-scripts). Throws with npm's output when it fails.
 */
export function installOffline(root, dir, workspaces, { as, npmArgs = ['--ignore-scripts'] } = {}) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const manifests = workspaces.map((w) => ({ ...w, pkg: JSON.parse(readFileSync(join(root, w.dir, 'package.json'), 'utf8')) }));
  const self = as ? JSON.parse(readFileSync(join(root, as, 'package.json'), 'utf8')) : undefined;
  const names = new Set([...manifests.map((m) => m.pkg.name), ...(self ? [self.name] : [])]);
  const out = {};
  // A workspace's own node_modules move under its installed copy (`as`: the consumer's own).
  const place = (path) => {
    if (as && path.startsWith(`${as}/node_modules/`)) return path.slice(as.length + 1);
    for (const m of manifests) if (path.startsWith(`${m.dir}/node_modules/`)) return `node_modules/${m.pkg.name}/${path.slice(m.dir.length + 1)}`;
    return path;
  };
  const queue = [];
  if (self) for (const dep of Object.keys({ ...self.dependencies, ...self.optionalDependencies })) if (!names.has(dep)) queue.push([as, dep]);
  for (const m of manifests) {
    const { name, version, dependencies = {}, optionalDependencies = {}, license, engines, bin, os } = m.pkg;
    out[`node_modules/${name}`] = {
      version, resolved: `file:${basename(m.tarball)}`, integrity: `sha512-${createHash('sha512').update(readFileSync(m.tarball)).digest('base64')}`,
      ...(Object.keys(dependencies).length ? { dependencies } : {}), ...(Object.keys(optionalDependencies).length ? { optionalDependencies } : {}),
      license, engines, bin, os,
    };
    for (const dep of [...Object.keys(dependencies), ...Object.keys(optionalDependencies)]) if (!names.has(dep)) queue.push([m.dir, dep]);
  }
  const seen = new Set();
  while (queue.length) {
    const [from, dep] = queue.shift();
    const at = resolveIn(lock.packages, from, dep);
    if (!at) throw new Error(`${dep} (needed by ${from || 'the root'}) is not in package-lock.json`);
    if (seen.has(at)) continue;
    seen.add(at);
    const { dev: _d, devOptional: _o, peer: _p, ...entry } = lock.packages[at];
    out[place(at)] = entry;
    const optionalPeers = new Set(Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, v]) => v.optional).map(([k]) => k));
    for (const d of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.peerDependencies ?? {}).filter((p) => !optionalPeers.has(p))]) queue.push([at, d]);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) if (resolveIn(lock.packages, at, d)) queue.push([at, d]);
  }
  const dependencies = {
    ...Object.fromEntries(Object.keys({ ...self?.dependencies, ...self?.optionalDependencies }).map((d) => [d, lock.packages[resolveIn(lock.packages, as, d) ?? '']?.version ?? '*'])),
    ...Object.fromEntries(manifests.map((m) => [m.pkg.name, `file:${basename(m.tarball)}`])),
  };
  const name = self?.name ?? 'consumer';
  const version = self?.version ?? '1.0.0';
  const consumer = { name, version, private: true, dependencies };
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify({ name, version, lockfileVersion: 3, requires: true, packages: { '': { name, version, dependencies }, ...out } }, null, 2)}\n`);
  // npm ci reads the consumer's package.json; with `as` the package's own is put back afterwards.
  const pkgFile = join(dir, 'package.json');
  const own = existsSync(pkgFile) ? readFileSync(pkgFile, 'utf8') : undefined;
  writeFileSync(pkgFile, `${JSON.stringify(consumer, null, 2)}\n`);
  try {
    execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', ...npmArgs], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    throw new Error(`npm ci --offline in ${dir}: ${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-3000)}`, { cause: e });
  } finally {
    if (as && own !== undefined) writeFileSync(pkgFile, own);
  }
  rmSync(join(dir, 'package-lock.json'), { force: true });
}
