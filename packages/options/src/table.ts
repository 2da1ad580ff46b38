/**
 * The README's option table, generated from the descriptions: one row per option (groups and
 * their members, dotted), with the values it takes, its default and its one-line doc. A
 * package's test compares its README with this, so the table cannot drift from the code.
 */
import type { z } from 'zod';
import { metaOf } from './describe.js';
import type { Meta } from './describe.js';

/** How a default is shown: `200` s, `'127.0.0.1'`, `[]`, or the description's text. */
export function defaultText(m: Meta): string {
  if (m.defaultText !== undefined) return m.defaultText;
  if (m.required) return 'required';
  if (m.kind === 'group') return m.optional ? 'none' : m.off ? 'on' : 'every default';
  if (m.default === undefined) return 'none';
  const v = m.default;
  const code = typeof v === 'string' ? `\`'${v}'\`` : `\`${JSON.stringify(v)}\``;
  return m.unit ? `${code} ${m.unit}` : code;
}

/** What values an option takes, without the article: `integer 0..10`, `one of 'a', 'b'`. */
export function valuesText(m: Meta): string {
  return m.expects.replace(/^(an?|the) /, '');
}

export interface OptionRow {
  /** Dotted name below the table's root (`rrl.slip`). */
  name: string;
  meta: Meta;
}

/** Every option below `schema`, depth first (a group's row before its members). */
export function optionRows(schema: z.ZodType, prefix = ''): OptionRow[] {
  const rows: OptionRow[] = [];
  for (const [key, child] of Object.entries(metaOf(schema)?.children ?? {})) {
    const m = metaOf(child);
    if (!m) continue;
    const name = prefix ? `${prefix}.${key}` : key;
    rows.push({ name, meta: m });
    if (m.kind === 'group') rows.push(...optionRows(child, name));
    // A list of groups: its items' members, as `listeners[].port`.
    else if (m.kind === 'list' && m.item && metaOf(m.item)?.kind === 'group') rows.push(...optionRows(m.item, `${name}[]`));
  }
  return rows;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The markdown table (header included, no trailing newline). */
export function optionsTable(schema: z.ZodType): string {
  const lines = ['| option | values | default | meaning |', '| --- | --- | --- | --- |'];
  for (const { name, meta } of optionRows(schema)) {
    lines.push(`| \`${name}\` | ${cell(valuesText(meta))} | ${cell(defaultText(meta))} | ${cell(meta.doc)} |`);
  }
  return lines.join('\n');
}

/** Markers around a generated table in a README. */
export const TABLE_START = '<!-- options:start (generated from the option descriptions: npm run docs) -->';
export const TABLE_END = '<!-- options:end -->';

/** The README text with the part between the markers replaced by `table`; throws when the markers are missing. */
export function replaceTable(readme: string, table: string, start = TABLE_START, end = TABLE_END): string {
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers not found: ${start} ... ${end}`);
  return `${readme.slice(0, i + start.length)}\n${table}\n${readme.slice(j)}`;
}

/** The table currently between the markers (undefined without markers). */
export function tableIn(readme: string, start = TABLE_START, end = TABLE_END): string | undefined {
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) return undefined;
  return readme.slice(i + start.length, j).trim();
}
