/** DNS wire constants (RFC 1035 unless noted). Tiny flat tables, as in dns-packet. */

/** Header size in octets (RFC 1035 4.1.1). */
export const HEADER_SIZE = 12;
/** Largest UDP answer without EDNS (RFC 1035 2.3.4). */
export const UDP_MIN_SIZE = 512;
/** Our EDNS UDP payload cap and advertised size: the DNS flag day 2020 value. */
export const EDNS_UDP_SIZE = 1232;
/** Largest name on the wire, and largest label (RFC 1035 2.3.4). */
export const MAX_NAME = 255;
export const MAX_LABEL = 63;

/** Header flag bits in the second 16-bit word. */
export const FLAG_QR = 0x8000;
export const FLAG_AA = 0x0400;
export const FLAG_TC = 0x0200;
export const FLAG_RD = 0x0100;

/** OPCODE values (RFC 1035, 1996, 2136). */
export const OPCODE_QUERY = 0;
export const OPCODE_NOTIFY = 4;

/** RCODE values (RFC 1035, 2136, 6891 extended). */
export const RCODE = Object.freeze({
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  NOTAUTH: 9,
  /** RFC 6891: 16 = extended rcode 1 in OPT, header rcode 0. */
  BADVERS: 16,
} as const);

/** RR types (RFC 1035, 3596, 6891, 8945, 1995, 5936). */
export const TYPE = Object.freeze({
  A: 1,
  NS: 2,
  SOA: 6,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
} as const);

/** Classes (RFC 1035 3.2.4). */
export const CLASS = Object.freeze({ IN: 1, CH: 3 } as const);

/** EDNS option codes (RFC 5001 NSID, RFC 7871 client subnet). */
export const EDNS_NSID = 3;
export const EDNS_CLIENT_SUBNET = 8;
/** DO bit in the OPT TTL's flags word (RFC 3225). */
export const EDNS_DO = 0x8000;
