/*
 * The layout shared with JavaScript (src/index.ts mirrors these numbers).
 *
 * input:  batch slots of `slot` bytes; datagram i is received at i * slot.
 * meta:   batch records of META_INTS int32 (host byte order), filled per datagram:
 * output: batch slots of `outSlot` bytes; the answer to datagram i is written at
 *         i * outSlot by JavaScript, its length in the record's META_OUT_LEN (0: none).
 */
#ifndef UDP_MMSG_H
#define UDP_MMSG_H

#define MAX_BATCH 256

/* open() flags */
#define OPEN_REUSEPORT 1 /* SO_REUSEPORT: several sockets (processes) share the port */

#define META_LEN 0       /* bytes received */
#define META_FLAGS 1     /* META_FLAG_* */
#define META_FAMILY 2    /* 4 or 6 */
#define META_PORT 3      /* source port */
#define META_ADDR 4      /* 4 ints: 16 raw address bytes (IPv4: the first 4) */
#define META_TEXT_LEN 8  /* length of the address text */
#define META_TEXT 9      /* 12 ints: 48 bytes of address text (inet_ntop) */
#define META_OUT_LEN 21  /* set by JavaScript: answer length, 0 for none */
#define META_INTS 24     /* 96 bytes per record */

#define META_TEXT_BYTES 48
#define META_FLAG_TRUNCATED 1 /* the datagram was larger than its slot */

#endif
