export * from './errors.js';
export { measureHttp, httpOnce } from './http.js';
export type { HttpAnswer, MeasureHooks, MeasureHttpOptions } from './http.js';
export { buildQuery, dnsOnce, identityFromDnsAnswer, measureDns, readDnsAnswer, NSID_OPTION } from './dns.js';
export type { DnsAnswer, DnsExchange, MeasureDnsOptions, QuerySpec } from './dns.js';
export { identityFromHttpBody, regionFromIdentity } from './identity.js';
export { percentiles, tally } from './tally.js';
export type { AnswerRow, ErrorKind, MeasureReport, Outcome, Percentiles } from './tally.js';
export * from './options.js';
