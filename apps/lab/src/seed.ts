/**
 * The seed article's experiment as data: the region it dialled down (and the drills kill), the
 * city of the drills' loop, its two RIPE Atlas runs (shipped in data/, copied from
 * shared/data/ripe-atlas) and the figures the lab must reproduce.
 */
import { fileURLToPath } from 'node:url';

/** The region the seed dialled down, and killed in the drills. */
export const EU = 'eu-central-1';
/** The city of the drills' steady loop. */
export const DRILL_CITY = 'amsterdam';
/** The seed's runs, shipped with the package (from shared/data/ripe-atlas). */
export const SEED_RUNS = Object.freeze({
  dial100: fileURLToPath(new URL('../data/measurement-22698168-dial-100.geojson', import.meta.url)),
  euDial50: fileURLToPath(new URL('../data/measurement-22698331-eu-dial-50.geojson', import.meta.url)),
});
/** Where the figures must land (the targets): TVD from the seed's runs, failures. */
export const TARGETS = Object.freeze({ tvdDial100: 0.05, tvdEuDial50: 0.15, failedAfterWindow: 0, drainFailed: 0, balance: [0.3, 0.7] as const });

