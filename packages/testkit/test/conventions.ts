/**
 * The project's habits, checked over the whole repository as text (no build needed): a
 * library's folder, package name, error-code prefix, diagnostics-channel prefix and metric
 * prefix share one stem; every error code is documented and every documented code exists;
 * a LICENSE for the Apache-2.0 every package declares; a CHANGELOG per published package;
 * coverage floors per package (tap 21 knows only 100% or allow-incomplete-coverage).
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

interface Workspace {
  dir: string; folder: string;
  pkg: { name: string; private?: boolean; license?: string; scripts?: Record<string, string>; tap?: Record<string, unknown>; coverageThresholds?: Record<string, number> };
}

function workspaces(): Workspace[] {
  const out: Workspace[] = [];
  for (const parent of ['packages', 'apps']) {
    for (const folder of readdirSync(join(ROOT, parent))) {
      const dir = join(parent, folder);
      if (existsSync(join(ROOT, dir, 'package.json'))) out.push({ dir, folder, pkg: JSON.parse(read(dir, 'package.json')) });
    }
  }
  for (const dir of ['infra', 'benchmarks']) out.push({ dir, folder: dir, pkg: JSON.parse(read(dir, 'package.json')) });
  return out;
}

/** Every .ts source under src/, as one text. */
function sources(dir: string): string {
  const base = join(ROOT, dir, 'src');
  if (!existsSync(base)) return '';
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [readFileSync(p, 'utf8')] : [];
  });
  return walk(base).join('\n');
}

const upper = (stem: string) => stem.replace(/-/g, '_').toUpperCase();
const all = workspaces();
const libraries = all.filter((w) => w.dir.startsWith('packages/') && !w.pkg.private);

t.test('a LICENSE for the Apache-2.0 every package declares', async (t) => {
  t.match(read('LICENSE'), /Apache License\s+Version 2\.0, January 2004/);
  for (const w of [...all, { dir: '.', folder: '', pkg: JSON.parse(read('package.json')) }]) t.equal(w.pkg.license, 'Apache-2.0', `${w.dir}: Apache-2.0`);
});

t.test('a CHANGELOG per published package, and changesets to fill them', async (t) => {
  t.ok(existsSync(join(ROOT, '.changeset', 'config.json')), '.changeset/config.json');
  for (const w of all.filter((x) => !x.pkg.private)) t.ok(existsSync(join(ROOT, w.dir, 'CHANGELOG.md')), `${w.dir}/CHANGELOG.md`);
});

t.test('one stem per library: folder, package, error codes, channels, metrics', async (t) => {
  for (const w of libraries) {
    const stem = w.folder;
    t.equal(w.pkg.name, `@anycast-origin/${stem}`, `${w.dir}: package name`);
    const src = sources(w.dir);
    for (const [, code] of src.matchAll(/'([A-Z][A-Z0-9_]*_ERR_[A-Z0-9_]+)'/g)) t.ok(code?.startsWith(`${upper(stem)}_ERR_`), `${w.dir}: ${code} starts with ${upper(stem)}_ERR_`);
    for (const [, ch] of src.matchAll(/'anycast-origin:([a-z0-9-]+):[a-z-]+'/g)) t.equal(ch, stem, `${w.dir}: channel prefix anycast-origin:${stem}:`);
    for (const [, metric] of src.matchAll(/\b(anycast_[a-z0-9_]+)/g)) t.ok(metric?.startsWith(`anycast_${stem.replace(/-/g, '_')}_`), `${w.dir}: metric ${metric}`);
  }
});

t.test('every error code is documented, and every documented code exists', async (t) => {
  for (const w of all) {
    // A workspace's own codes carry its folder's stem (codes of the libraries it uses may appear too).
    const prefix = `${upper(w.folder)}_ERR_`;
    const src = sources(w.dir);
    const codes = new Set([...src.matchAll(/'([A-Z][A-Z0-9_]*_ERR_[A-Z0-9_]+)'/g)].map((m) => m[1] as string).filter((c) => c.startsWith(prefix)));
    if (codes.size === 0) continue;
    const readme = read(w.dir, 'README.md');
    const documented = new Set([...readme.matchAll(/`([A-Z][A-Z0-9_]*_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1] as string).filter((c) => c.startsWith(prefix)));
    t.same([...codes].filter((c) => !documented.has(c)).sort(), [], `${w.dir}: every code in the README`);
    t.same([...documented].filter((c) => !codes.has(c)).sort(), [], `${w.dir}: every code in the README exists`);
  }
});

t.test('coverage: 100% as tap requires it, or floors per package checked after tap (scripts/coverage.mjs)', async (t) => {
  for (const w of workspaces()) {
    if (!w.pkg.scripts?.test) continue;
    if (w.pkg.tap?.['allow-incomplete-coverage'] !== true) {
      t.notOk(w.pkg.coverageThresholds, `${w.dir}: at 100% tap checks coverage itself`);
      continue;
    }
    const floors = w.pkg.coverageThresholds ?? {};
    t.same(Object.keys(floors).sort(), ['branches', 'functions', 'lines', 'statements'], `${w.dir}: a floor for each figure`);
    t.ok(Object.values(floors).every((v) => Number.isInteger(v) && v >= 0 && v <= 100), `${w.dir}: floors are whole percents`);
    t.match(w.pkg.scripts.test, /^tap && node (\.\.\/)+scripts\/coverage\.mjs$/, `${w.dir}: the floors are checked after tap`);
    t.ok(existsSync(join(ROOT, w.dir, w.pkg.scripts.test.replace(/^tap && node /, ''))), `${w.dir}: the check's path resolves from the workspace`);
    t.ok((w.pkg.tap['coverage-report'] as string[] | undefined)?.includes('json-summary'), `${w.dir}: tap writes the summary the check reads`);
  }
});
