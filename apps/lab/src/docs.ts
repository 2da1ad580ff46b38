/**
 * The README's generated tables: each command's flags, from the same descriptions commander
 * gets (flag, LAB_* variable, values, default, meaning). A test compares them with the
 * README; `npm run docs` at the repository root rewrites them.
 */
import { defaultText, replaceTable, tableIn, valuesText } from '@anycast-origin/options';
import { COMMAND_FLAGS } from './options.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One command's flags as a Markdown table. */
export function flagsTable(command: keyof typeof COMMAND_FLAGS): string {
  const rows = ['| flag | environment | values | default | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const f of COMMAND_FLAGS[command]) {
    const values = f.meta.kind === 'boolean' ? 'switch' : cell(valuesText(f.meta));
    rows.push(`| \`${f.flag}\` | ${f.env ? `\`${f.env}\`` : ''} | ${values} | ${cell(defaultText(f.meta))} | ${cell(f.meta.doc)} |`);
  }
  return rows.join('\n');
}

const marks = (command: string) => [`<!-- flags:start ${command} -->`, `<!-- flags:end ${command} -->`] as const;

/** Every generated table: [start marker, end marker, table]. */
export function generatedTables(): [string, string, string][] {
  return (Object.keys(COMMAND_FLAGS) as (keyof typeof COMMAND_FLAGS)[]).map((c) => [...marks(c), flagsTable(c)]);
}

/** The README with every generated table rewritten. */
export function updateReadme(readme: string): string {
  return generatedTables().reduce((text, [start, end, table]) => replaceTable(text, table, start, end), readme);
}

/** Tables that differ from the README (or are missing there): the start marker of each. */
export function staleTables(readme: string): string[] {
  return generatedTables().filter(([start, end, table]) => tableIn(readme, start, end) !== table).map(([start]) => start);
}
