#!/usr/bin/env node
// Rewrites every README's generated option table from the option descriptions (the packages'
// exported OPTIONS, built in dist/): `npm run docs` after changing an option. Each package's
// tests fail while its README table differs from what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const { FLAGS_END, FLAGS_START, flagsTable, optionsTable, replaceTable } = await import(new URL('packages/options/dist/index.js', root).href);

/** README -> the module (built), the export holding the description, and which table it makes. */
const TABLES = [
  ['packages/http-origin/README.md', 'packages/http-origin/dist/options.js', 'OPTIONS', 'options'],
  ['packages/dns-origin/README.md', 'packages/dns-origin/dist/options.js', 'OPTIONS', 'options'],
  ['packages/identity/README.md', 'packages/identity/dist/options.js', 'OPTIONS', 'options'],
  ['packages/config/README.md', 'packages/config/dist/schema.js', 'CONFIG', 'options'],
  ['packages/udp-mmsg/README.md', 'packages/udp-mmsg/dist/options.js', 'OPTIONS', 'options'],
  ['packages/tcp-relay/README.md', 'packages/tcp-relay/dist/options.js', 'OPTIONS', 'options'],
  ['packages/tcp-relay/README.md', 'packages/tcp-relay/dist/options.js', 'LISTEN_OPTIONS', 'listen'],
  ['packages/ga-emulator/README.md', 'packages/ga-emulator/dist/options.js', 'OPTIONS', 'options'],
  ['apps/origin/README.md', 'apps/origin/dist/options.js', 'FLAGS', 'flags'],
  ['infra/README.md', 'infra/dist/commands.js', 'FLAGS', 'flags'],
  // gactl's README has three tables (global flags, commands, connect()'s options): its own renderer.
  ['apps/gactl/README.md', 'apps/gactl/dist/docs.js', 'renderReadme', 'readme'],
];

for (const [readme, module, name, kind] of TABLES) {
  let mod;
  try {
    mod = await import(new URL(module, root).href);
  } catch (e) {
    process.stderr.write(`docs: ${module} not built (npm run build): ${e.message.split('\n')[0]}\n`);
    process.exitCode = 1;
    continue;
  }
  const file = fileURLToPath(new URL(readme, root));
  const before = readFileSync(file, 'utf8');
  const after = kind === 'readme' ? mod[name](before)
    : kind === 'flags' ? replaceTable(before, flagsTable(mod[name]), FLAGS_START, FLAGS_END)
      : kind === 'listen' ? replaceTable(before, optionsTable(mod[name]), mod.LISTEN_TABLE_START, mod.LISTEN_TABLE_END)
        : replaceTable(before, optionsTable(mod[name]));
  if (after !== before) {
    writeFileSync(file, after);
    process.stdout.write(`docs: ${readme} updated\n`);
  }
}

// probe: one flag table per command and one option table per exported function (apps/probe/src/docs.ts).
try {
  const { updateReadme } = await import(new URL('apps/probe/dist/docs.js', root).href);
  const file = fileURLToPath(new URL('apps/probe/README.md', root));
  const before = readFileSync(file, 'utf8');
  const after = updateReadme(before);
  if (after !== before) {
    writeFileSync(file, after);
    process.stdout.write('docs: apps/probe/README.md updated\n');
  }
} catch (e) {
  process.stderr.write(`docs: apps/probe/dist/docs.js not built (npm run build): ${e.message.split('\n')[0]}\n`);
  process.exitCode = 1;
}

// anycast-lab: one flag table per command (apps/lab/src/docs.ts).
try {
  const { updateReadme } = await import(new URL('apps/lab/dist/docs.js', root).href);
  const file = fileURLToPath(new URL('apps/lab/README.md', root));
  const before = readFileSync(file, 'utf8');
  const after = updateReadme(before);
  if (after !== before) {
    writeFileSync(file, after);
    process.stdout.write('docs: apps/lab/README.md updated\n');
  }
} catch (e) {
  process.stderr.write(`docs: apps/lab/dist/docs.js not built (npm run build): ${e.message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
