/*
 * The layout shared with JavaScript (src/index.ts mirrors these numbers; test/errors.ts checks).
 *
 * records: what collect() returns and what onRecords(count) reads from the record buffer:
 *          REC_DOUBLES float64 per flow, in host byte order.
 * stats:   STAT_COUNT float64 counters, live, written by C.
 */
#ifndef TCP_RELAY_H
#define TCP_RELAY_H

/* create() flags */
#define CREATE_SPLICE 1 /* move bytes with splice(2) through a pipe per direction, not read/write */

#define REC_ID 0          /* the flow's id (as given to onAccept) */
#define REC_KIND 1        /* KIND_* */
#define REC_REASON 2      /* END_* (0 in an update) */
#define REC_ERRNO 3       /* errno of a reset or failed connect, else 0 */
#define REC_START 4       /* ms since the epoch: accepted */
#define REC_TIME 5        /* ms since the epoch: ended, or collected */
#define REC_BYTES_IN 6    /* client -> upstream bytes */
#define REC_READS_IN 7    /* reads from the client that returned data */
#define REC_BYTES_OUT 8   /* upstream -> client bytes */
#define REC_READS_OUT 9   /* reads from the upstream that returned data */
#define REC_LOCAL_PORT 10 /* the upstream socket's local port (0: none yet) */
#define REC_LISTENER 11   /* the listener's id */
#define REC_DOUBLES 12

#define KIND_UPDATE 1 /* collect(): totals so far of a flow still open */
#define KIND_END 2    /* the flow ended; reported once */

#define END_CLOSED 1          /* both sides sent FIN and every byte was delivered */
#define END_CLIENT_RESET 2    /* an error on the client socket (errno); the upstream is reset */
#define END_UPSTREAM_RESET 3  /* an error on the upstream socket (errno); the client is reset */
#define END_CONNECT_FAILED 4  /* the upstream connect failed (errno); the client is reset */
#define END_IDLE 5            /* no byte either way for idleMs */
#define END_EVICTED 6         /* closed for a new flow at maxFlows (the least recently active) */
#define END_LISTENER_CLOSED 7 /* its listener was closed */
#define END_RELAY_CLOSED 8    /* the relay was closed */

#define STAT_ACCEPTED 0       /* connections accepted */
#define STAT_ACTIVE 1         /* flows open now */
#define STAT_REFUSED 2        /* onAccept returned no target: the client was reset */
#define STAT_ACCEPT_ERRORS 3  /* accept() failures other than an empty queue (EMFILE...) */
#define STAT_ENDED 4          /* flows ended, any reason (the END_* counts follow) */
#define STAT_END_BASE 4       /* STAT_END_BASE + END_x: flows ended for reason x */
#define STAT_COUNT 13

#endif
