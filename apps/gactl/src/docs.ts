/**
 * The README's generated tables, from the same descriptions the command line is built from:
 * the global flags (with their GACTL_* variables), each command's arguments and flags, and
 * connect()'s options. `npm run docs` writes them; test/docs.ts fails when the README drifts.
 */
import { defaultText, metaOf, optionsTable, replaceTable, TABLE_END, TABLE_START, valuesText } from '@anycast-origin/options';
import type { Flag } from '@anycast-origin/options';
import { argLabel, COMMAND_FLAG_LIST, COMMANDS, GLOBAL_FLAGS } from './args.js';
import { EC2_TARGETS_OPTIONS } from './autopilot/ec2.js';
import { PROMETHEUS_OPTIONS } from './autopilot/prometheus.js';
import { SCRAPE_OPTIONS } from './autopilot/sources.js';
import { AUTOPILOT_OPTIONS, COMMAND_ARGS, OPTIONS } from './options.js';
import type { CommandName } from './options.js';

export const FLAGS_START = '<!-- flags:start (generated from the option descriptions: npm run docs) -->';
export const FLAGS_END = '<!-- flags:end -->';
export const COMMANDS_START = '<!-- commands:start (generated from the option descriptions: npm run docs) -->';
export const COMMANDS_END = '<!-- commands:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const values = (f: Flag) => (f.meta.kind === 'boolean' ? 'switch' : cell(valuesText(f.meta)));

/** | flag | environment | values | default | meaning | */
export function globalFlagsTable(): string {
  const lines = ['| flag | environment | values | default | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const f of GLOBAL_FLAGS) lines.push(`| \`${f.flag}\` | \`${f.env}\` | ${values(f)} | ${cell(defaultText(f.meta))} | ${cell(f.meta.doc)} |`);
  return lines.join('\n');
}

/** | command | argument or flag | values | default | meaning | (one row per argument and flag; none: the command alone) */
export function commandsTable(): string {
  const lines = ['| command | argument or flag | values | default | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const [name, spec] of Object.entries(COMMANDS) as [CommandName, (typeof COMMANDS)[CommandName]][]) {
    const args = metaOf(COMMAND_ARGS[name])?.children ?? {};
    const rows = [
      ...spec.args.map(([arg]) => {
        const m = metaOf(args[arg] as never);
        return m ? `| \`${name}\` | \`${argLabel(arg)}\` | ${cell(valuesText(m))} | ${m.required ? 'required' : 'optional'} | ${cell(m.doc)} |` : '';
      }),
      ...COMMAND_FLAG_LIST[name].map((f) => `| \`${name}\` | \`${f.flag}\` | ${values(f)} | ${cell(defaultText(f.meta))} | ${cell(f.meta.doc)} |`),
    ];
    lines.push(...(rows.length ? rows : [`| \`${name}\` | | | | ${cell(spec.summary)} |`]));
  }
  return lines.join('\n');
}

/** The autopilot library's option tables: [name, start marker, end marker, table]. */
export function autopilotTables(): [string, string, string, string][] {
  return ([['autopilot', AUTOPILOT_OPTIONS], ['scrapeSource', SCRAPE_OPTIONS], ['prometheusSource', PROMETHEUS_OPTIONS], ['ec2Targets', EC2_TARGETS_OPTIONS]] as const)
    .map(([name, schema]) => [name, `<!-- options:start ${name} -->`, `<!-- options:end ${name} -->`, optionsTable(schema)]);
}

/** The README with every generated table rewritten. */
export function renderReadme(readme: string): string {
  let out = replaceTable(readme, globalFlagsTable(), FLAGS_START, FLAGS_END);
  out = replaceTable(out, commandsTable(), COMMANDS_START, COMMANDS_END);
  for (const [, start, end, table] of autopilotTables()) out = replaceTable(out, table, start, end);
  return replaceTable(out, optionsTable(OPTIONS), TABLE_START, TABLE_END);
}
