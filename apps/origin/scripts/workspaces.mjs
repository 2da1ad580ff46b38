// The workspaces the anycast-origin command needs at run time: its production dependencies
// (and optional ones) that live in this monorepo, followed transitively, itself last. The
// artifact script and the npm-pack test both pack exactly these; nothing lists them by hand.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** `[dir relative to root, package name]` for every workspace (root package.json globs `packages/*`, `apps/*`, ...). */
function allWorkspaces(root) {
  const globs = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
  const dirs = globs.flatMap((g) => (g.endsWith('/*') ? readdirSync(join(root, g.slice(0, -2))).map((d) => `${g.slice(0, -2)}/${d}`) : [g]));
  return dirs.filter((d) => existsSync(join(root, d, 'package.json'))).map((d) => [d, JSON.parse(readFileSync(join(root, d, 'package.json'), 'utf8'))]);
}

/** Workspace dirs the named package needs at run time, dependencies first, the package last. */
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
