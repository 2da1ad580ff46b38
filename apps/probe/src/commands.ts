/**
 * The commands: for each, its arguments, the option descriptions its flags come from (the
 * functions' and its own), and a run() that calls the exported functions and prints. A thin
 * layer: measuring, reading, drawing and predicting live in the modules it calls.
 */
import { writeFile } from 'node:fs/promises';
import type { z } from 'zod';
import { atlasTable, readAtlasResults, readJsonFile, totalVariationDistance } from './atlas.js';
import { measureAtlas } from './atlas-measure.js';
import { compareRuns } from './compare.js';
import { measureDns } from './dns.js';
import { OutputError, UsageError } from './errors.js';
import type { InvalidOptionError } from './errors.js';
import { formatAtlasTable, formatComparison, formatMeasure, formatPrediction } from './format.js';
import type { Format } from './format.js';
import { measureHttp } from './http.js';
import { renderMap, renderMapPng } from './map.js';
import {
  ATLAS_CLI, ATLAS_MEASURE_CLI, ATLAS_MEASURE_OPTIONS, COMPARE_CLI, COMPARE_OPTIONS, DNS_CLI, DNS_OPTIONS, HTTP_CLI, HTTP_OPTIONS, MAP_OPTIONS,
  PREDICT_CLI, PREDICT_OPTIONS, READ_OPTIONS, SWEEP_CLI, SWEEP_OPTIONS,
} from './options.js';
import { predict } from './predict.js';
import { sweep } from './sweep.js';
import type { OptionsOutput } from './options.js';

export interface Io {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** What a command reads its settings from (main.ts builds it from flags, arguments and the environment). */
export interface Values {
  /**
   * The validated options of one schema, defaults filled in; a bad value is a UsageError naming
   * the flag. `extra` adds values the command read itself, each with the label errors name it by.
   */
  get<S extends z.ZodType>(schema: S, extra?: Record<string, [unknown, string]>): OptionsOutput<S>;
  /** An InvalidOptionError a function threw, renamed after the flag, variable or argument the user wrote. */
  relabel(err: InvalidOptionError): Error;
}

export interface CommandDef {
  /** `http`, `atlas measure` */
  name: string;
  summary: string;
  args: { key: string; placeholder: string; doc: string }[];
  /** Option descriptions the flags come from; `mount` prefixes a schema's flags (`--map-width`). */
  schemas: { schema: z.ZodType; mount?: string[] }[];
  run(values: Values, io: Io): Promise<number>;
}

/** Progress on stderr, only when it is a terminal: one line rewritten in place. */
export function progress(io: Io): { update(text: string): void; done(): void } {
  const tty = io.stderr.isTTY === true;
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (!tty || now - last < 100) return;
      last = now;
      shown = true;
      io.stderr.write(`\r\x1b[K${text}`);
    },
    done() {
      if (tty && shown) io.stderr.write('\r\x1b[K');
    },
  };
}

function print(io: Io, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Write the map of a run as PNG or SVG (by the extension). */
async function writeMap(file: string, run: Parameters<typeof renderMap>[0], options: OptionsOutput<typeof MAP_OPTIONS>): Promise<void> {
  const data = /\.png$/i.test(file) ? renderMapPng(run, options) : renderMap(run, options);
  try {
    await writeFile(file, data);
  } catch (e) {
    throw new OutputError(file, `cannot write: ${(e as Error).message}`, { cause: e });
  }
}

async function writeJson(file: string, data: unknown): Promise<void> {
  try {
    await writeFile(file, `${JSON.stringify(data, null, 1)}\n`);
  } catch (e) {
    throw new OutputError(file, `cannot write: ${(e as Error).message}`, { cause: e });
  }
}

const MAP_MOUNT = { schema: MAP_OPTIONS, mount: ['map'] };

/** The vantage list: a JSON list, or an object with `vantagePoints` (the lab's state file). */
async function readVantage(file: string): Promise<unknown> {
  const data = await readJsonFile(file);
  if (data && typeof data === 'object' && !Array.isArray(data) && 'vantagePoints' in data) return (data as { vantagePoints: unknown }).vantagePoints;
  return data;
}

export const COMMANDS: readonly CommandDef[] = [
  {
    name: 'http',
    summary: "GET a URL N times, each on a new connection; who answered (the seed's curl loop | sort | uniq -c), errors, latency",
    args: [{ key: 'url', placeholder: 'URL', doc: 'URL to GET (http:// or https://)' }],
    schemas: [{ schema: HTTP_OPTIONS }, { schema: HTTP_CLI }],
    async run(values, io) {
      const cli = values.get(HTTP_CLI);
      const p = progress(io);
      const report = await measureHttp(values.get(HTTP_OPTIONS), { onProgress: (d, n) => p.update(`${d}/${n} requests`) });
      p.done();
      print(io, formatMeasure(report, cli.output as Format, 'requests'));
      return report.ok > 0 ? 0 : 1;
    },
  },
  {
    name: 'dns',
    summary: 'query a DNS server N times (CH TXT id.server by default), each from a new socket; who answered (TXT or NSID), errors, latency',
    args: [{ key: 'server', placeholder: 'SERVER[:PORT]', doc: 'DNS server address, port 53 unless given ([V6]:PORT for IPv6)' }],
    schemas: [{ schema: DNS_OPTIONS }, { schema: DNS_CLI }],
    async run(values, io) {
      const cli = values.get(DNS_CLI);
      const p = progress(io);
      const report = await measureDns(values.get(DNS_OPTIONS), { onProgress: (d, n) => p.update(`${d}/${n} queries`) });
      p.done();
      print(io, formatMeasure(report, cli.output as Format, 'queries'));
      return report.ok > 0 ? 0 : 1;
    },
  },
  {
    name: 'sweep',
    summary: 'measure once from each vantage point of a list, from its own address; write RIPE Atlas results (DNS with NSID in abuf) and print the per-region table',
    args: [
      { key: 'protocol', placeholder: 'http|dns', doc: 'what to measure' },
      { key: 'target', placeholder: 'URL|SERVER[:PORT]', doc: 'the URL (http) or DNS server (dns)' },
    ],
    schemas: [{ schema: SWEEP_OPTIONS }, { schema: SWEEP_CLI }],
    async run(values, io) {
      const cli = values.get(SWEEP_CLI);
      const vantagePoints = await readVantage(cli.vantage);
      const options = values.get(SWEEP_OPTIONS, { vantagePoints: [vantagePoints, `--vantage ${cli.vantage}:`] });
      const p = progress(io);
      const r = await sweep(options, { onProgress: (d, n) => p.update(`${d}/${n} vantage points`) });
      p.done();
      await writeJson(cli.out, r.results);
      const title = `sweep of ${r.results.length} vantage points (${r.answered} answered)`;
      print(io, formatAtlasTable(atlasTable(r.run), cli.output as Format, title) + (cli.output === 'table' ? `\n\nresults: ${cli.out}` : ''));
      return r.answered > 0 ? 0 : 1;
    },
  },
  {
    name: 'atlas',
    summary: 'read RIPE Atlas DNS results or a GeoJSON run: the per-region table, and the world map with --map',
    args: [{ key: 'file', placeholder: 'FILE', doc: 'RIPE Atlas results (JSON list or one per line) or GeoJSON' }],
    schemas: [{ schema: ATLAS_CLI }, { schema: READ_OPTIONS }, MAP_MOUNT],
    async run(values, io) {
      const cli = values.get(ATLAS_CLI);
      const mapOptions = values.get(MAP_OPTIONS);
      const run = await readAtlasResults(cli.file, values.get(READ_OPTIONS));
      if (cli.map) await writeMap(cli.map, run, mapOptions);
      const title = run.measurementId ? `measurement ${run.measurementId}` : cli.file;
      print(io, formatAtlasTable(atlasTable(run), cli.output as Format, title) + (cli.map && cli.output === 'table' ? `\n\nmap: ${cli.map}` : ''));
      return 0;
    },
  },
  {
    name: 'atlas measure',
    summary: 'create a RIPE Atlas DNS measurement (CH TXT id.server with NSID), wait, fetch results and probe positions, print the table, draw the map',
    args: [],
    schemas: [{ schema: ATLAS_MEASURE_OPTIONS }, { schema: ATLAS_MEASURE_CLI }, MAP_MOUNT],
    async run(values, io) {
      const cli = values.get(ATLAS_MEASURE_CLI);
      const mapOptions = values.get(MAP_OPTIONS);
      const p = progress(io);
      const m = await measureAtlas(values.get(ATLAS_MEASURE_OPTIONS), {
        onStatus: (s) => p.update(`measurement ${s.measurementId}: ${s.status}${s.participants !== undefined ? `, ${s.participants} probes` : ''}, ${Math.round(s.elapsedSeconds)} s`),
      });
      p.done();
      if (cli.out) await writeJson(cli.out, m.results);
      if (cli.map) await writeMap(cli.map, m.run, mapOptions);
      const note = m.complete ? '' : ` (status ${m.status}: stopped waiting, results so far)`;
      const extra = cli.output === 'table' ? [cli.out ? `results: ${cli.out}` : '', cli.map ? `map: ${cli.map}` : ''].filter(Boolean).join('\n') : '';
      print(io, formatAtlasTable(atlasTable(m.run), cli.output as Format, `measurement ${m.measurementId}${note}`) + (extra ? `\n\n${extra}` : ''));
      return 0;
    },
  },
  {
    name: 'compare',
    summary: 'match the probes of two runs (by probe id, else by position) and print who moved from which region to which',
    args: [
      { key: 'before', placeholder: 'BEFORE', doc: 'the earlier run (any format probe atlas reads)' },
      { key: 'after', placeholder: 'AFTER', doc: 'the later run' },
    ],
    schemas: [{ schema: COMPARE_CLI }, { schema: COMPARE_OPTIONS }, { schema: READ_OPTIONS }],
    async run(values, io) {
      const cli = values.get(COMPARE_CLI);
      const read = values.get(READ_OPTIONS);
      const [before, after] = await Promise.all([readAtlasResults(cli.before, read), readAtlasResults(cli.after, read)]);
      print(io, formatComparison(compareRuns(before, after, values.get(COMPARE_OPTIONS)), cli.output as Format));
      return 0;
    },
  },
  {
    name: 'predict',
    summary: "predict the per-region table under new traffic dials, from a measured catchment (--catchment) or from geography alone (--positions), by the emulator's routing model",
    args: [],
    schemas: [{ schema: PREDICT_CLI }, { schema: PREDICT_OPTIONS }, { schema: READ_OPTIONS }],
    async run(values, io) {
      const cli = values.get(PREDICT_CLI);
      const read = values.get(READ_OPTIONS);
      if ((cli.catchment === undefined) === (cli.positions === undefined)) throw new UsageError('give one of --catchment FILE (a measured run) or --positions FILE (geography alone)');
      const dials: Record<string, number> = {};
      for (const d of cli.dial ?? []) {
        const [region, percent] = d.replace(/%$/, '').split('=') as [string, string];
        if (Number(percent) > 100) throw new UsageError(`--dial must be REGION=PERCENT with PERCENT 0..100, got ${JSON.stringify(d)}`);
        dials[region] = Number(percent);
      }
      const run = await readAtlasResults((cli.catchment ?? cli.positions) as string, read);
      const options = values.get(PREDICT_OPTIONS, {
        dials: [dials, '--dial'],
        firstChoice: [cli.catchment !== undefined ? 'measured' : 'nearest', cli.catchment !== undefined ? '--catchment' : '--positions'],
      });
      const prediction = predict(run, options);
      if (cli.against) {
        const table = atlasTable(await readAtlasResults(cli.against, read));
        prediction.measured = { probes: table.probes, regions: table.regions, tvd: totalVariationDistance(prediction, table) };
      }
      print(io, formatPrediction(prediction, cli.output as Format));
      return 0;
    },
  },
];
