/**
 * The README's generated tables: for each command its arguments and flags (from the same
 * descriptions commander gets), and for each exported function its options. A test compares
 * them with the README; `npm run docs` at the repository root rewrites them.
 */
import { defaultText, optionsTable, replaceTable, tableIn, valuesText } from '@anycast-origin/options';
import type { z } from 'zod';
import { COMMANDS } from './commands.js';
import { commandFlags, flagText } from './main.js';
import {
  ATLAS_MEASURE_OPTIONS, COMPARE_OPTIONS, DNS_OPTIONS, HTTP_OPTIONS, MAP_OPTIONS, PREDICT_OPTIONS, READ_OPTIONS, SWEEP_OPTIONS,
} from './options.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The arguments and flags of one command as a markdown table. */
export function commandTable(name: string): string {
  const def = COMMANDS.find((c) => c.name === name);
  if (!def) throw new Error(`no command ${name}`);
  const rows = ['| argument or flag | env | values | default | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const a of def.args) rows.push(`| \`${cell(a.placeholder)}\` |  |  | required | ${cell(a.doc)} |`);
  for (const cf of commandFlags(def)) {
    const m = cf.flag.meta;
    const repeat = m.kind === 'list' ? ' (repeatable)' : '';
    rows.push(`| \`${cell(flagText(cf))}\`${repeat} | ${cf.flag.env ? `\`${cf.flag.env}\`` : ''} | ${cell(valuesText(m))} | ${cell(defaultText(m))} | ${cell(m.doc)} |`);
  }
  return rows.join('\n');
}

/** The exported functions and the option descriptions they validate with. */
export const FUNCTIONS: Readonly<Record<string, z.ZodType>> = {
  measureHttp: HTTP_OPTIONS,
  measureDns: DNS_OPTIONS,
  sweep: SWEEP_OPTIONS,
  readAtlasResults: READ_OPTIONS,
  renderMap: MAP_OPTIONS,
  measureAtlas: ATLAS_MEASURE_OPTIONS,
  compareRuns: COMPARE_OPTIONS,
  predict: PREDICT_OPTIONS,
};

const marks = (kind: string, name: string) => [`<!-- ${kind}:start ${name} -->`, `<!-- ${kind}:end ${name} -->`] as const;

/** Every generated table: [start marker, end marker, table]. */
export function generatedTables(): [string, string, string][] {
  return [
    ...COMMANDS.map((c) => [...marks('flags', c.name), commandTable(c.name)] as [string, string, string]),
    ...Object.entries(FUNCTIONS).map(([fn, schema]) => [...marks('options', fn), optionsTable(schema)] as [string, string, string]),
  ];
}

/** The README with every generated table rewritten. */
export function updateReadme(readme: string): string {
  return generatedTables().reduce((text, [start, end, table]) => replaceTable(text, table, start, end), readme);
}

/** Tables that differ from the README (or are missing there): the start marker of each. */
export function staleTables(readme: string): string[] {
  return generatedTables().filter(([start, end, table]) => tableIn(readme, start, end) !== table).map(([start]) => start);
}
