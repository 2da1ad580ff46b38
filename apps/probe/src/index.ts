/** @anycast-origin/probe: the measurements the probe command runs, for the lab and other tools to import. */
export * from './errors.js';
export { measureHttp, httpOnce } from './http.js';
export type { HttpAnswer, MeasureHttpOptions } from './http.js';
export { buildQuery, dnsOnce, identityFromDnsAnswer, measureDns, readDnsAnswer, NSID_OPTION } from './dns.js';
export type { DnsAnswer, DnsExchange, MeasureDnsOptions, QuerySpec } from './dns.js';
export { sweep, SWEEP_FIRMWARE } from './sweep.js';
export type { SweepOptions, SweepResult } from './sweep.js';
export { atlasTable, parseRun, probePositions, readAtlasResults, totalVariationDistance } from './atlas.js';
export type { AtlasTable, ProbeResult, ReadOptions, RegionRow, Run } from './atlas.js';
export { mapLayout, PALETTE, regionColors, renderMap, renderMapPng, SEED_COLORS, UNKNOWN_COLOR } from './map.js';
export type { MapLayout, MapOptions } from './map.js';
export { measureAtlas, measurementRequest } from './atlas-measure.js';
export type { AtlasHooks, AtlasMeasurement, AtlasStatus, MeasureAtlasOptions } from './atlas-measure.js';
export { compareRuns } from './compare.js';
export { predict } from './predict.js';
export type { Prediction, PredictOptions } from './predict.js';
export type { CompareOptions, Comparison } from './compare.js';
export { identityFromHttpBody, regionFromIdentity } from './identity.js';
export { percentiles, tally } from './tally.js';
export type { AnswerRow, ErrorKind, MeasureHooks, MeasureReport, Outcome, Percentiles } from './tally.js';
export {
  ATLAS_MEASURE_OPTIONS, COMPARE_OPTIONS, DNS_OPTIONS, HTTP_OPTIONS, MAP_OPTIONS, PREDICT_OPTIONS, READ_OPTIONS, SWEEP_OPTIONS, vantagePointSchema,
} from './options.js';
export type { VantagePoint } from './options.js';
export { main, VERSION } from './main.js';
export type { Io } from './main.js';
