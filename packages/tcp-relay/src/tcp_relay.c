/*
 * A TCP relay for Node.js on Linux that moves bytes in C, without Node stream objects.
 *
 * One relay owns an epoll set, watched by a single uv_poll_t on Node's own event loop, and
 * every socket it relays: its listening sockets and, per flow, the accepted client socket and
 * the upstream socket it opened. Per accepted connection JavaScript is called once
 * (onAccept) and answers where to connect (address, port, optional local address to bind) or
 * refuses (the client is reset). From then on the flow is C's alone: bytes move both ways with
 * read/send through a relay-wide scratch buffer (or splice(2) through a pipe per direction),
 * FIN is forwarded as shutdown(SHUT_WR) (half-close), a side whose peer cannot take more is
 * not read (backpressure), an error on one side resets the other, and a flow with no byte
 * either way for idleMs is closed. Each flow's end is reported once, batched: one JavaScript
 * call per event-loop wakeup with every record of it (bytes and reads per direction, the
 * upstream's local port, start and end times).
 *
 * Flow sockets are in epoll edge-triggered, added once and never modified: a socket is read
 * when an edge said so, until a read comes back short (drained: Linux reports every new
 * segment as a new edge), or its peer cannot take more (backpressure: it is read again when
 * the peer's EPOLLOUT edge comes), or READS_PER_WAKEUP full reads (re-armed, so one busy flow
 * cannot hold the loop). EPOLLRDHUP marks the peer's FIN, so a short read after it is the
 * end of the stream without another read. Listening sockets are level-triggered.
 *
 * Flows sit on one list in order of last activity: the idle sweep looks at its head only, a
 * new flow at maxFlows closes the head (least recently active), collect() walks back from its
 * tail. A flow that ends is unlinked and its sockets closed at once; its memory is freed when
 * no epoll batch or walk can still point at it (bury).
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tcp_relay.h"

#define MAX_EVENTS 256        /* epoll events taken per epoll_wait */
#define ROUNDS_PER_WAKEUP 4   /* epoll_waits per uv wakeup while they come back full */
#define ACCEPTS_PER_WAKEUP 64 /* connections accepted per listener event */
#define READS_PER_WAKEUP 4    /* full-buffer reads of one socket per event */
#define PIPE_POOL 64          /* empty pipes kept for reuse (splice mode) */

#define W_LISTENER 1
#define W_CLIENT 2
#define W_UPSTREAM 3

typedef struct relay relay;
typedef struct flow flow;

/* The target properties onAccept's answer is read for. */
enum { KEY_ADDRESS, KEY_PORT, KEY_LOCAL_ADDRESS, KEY_WANTS_LOCAL_PORT, KEY_COUNT };
static const char *const KEY_NAMES[KEY_COUNT] = {"address", "port", "localAddress", "wantsLocalPort"};

/* One socket of a flow. `kind` first: epoll's data pointer points here. */
typedef struct side {
  int kind;
  int fd;
  uint8_t ready;      /* an edge said readable and no read since came back short or empty */
  uint8_t rdhup;      /* the peer's FIN arrived (EPOLLRDHUP): a short read reached it */
  uint8_t eof;        /* every byte before the peer's FIN was read */
  uint8_t shut;       /* we shut down writing to it (the other side's FIN forwarded) */
  uint8_t nagle;      /* TCP_NODELAY not set yet: 1 before the first send, 2 after it (nodelay_for) */
  double bytes, reads; /* read from this socket */
  /* Bytes read from the other side that this socket did not take yet: */
  char *pend;         /* read/write mode: a buffer of bufBytes, allocated on first need */
  uint32_t pend_off, pend_len;
  int pipe_r, pipe_w; /* splice mode: the pipe they wait in (pend_len bytes) */
} side;

typedef struct listener {
  int kind; /* W_LISTENER */
  int fd;
  int id;
  int dead;
  relay *r;
  struct listener *next;
} listener;

struct flow {
  flow *prev, *next; /* activity order: head = least recently active */
  flow *grave;       /* on the graveyard list once ended */
  relay *r;
  listener *l;
  double id;
  double start_ms;
  uint64_t last; /* uv_now of the last byte either way */
  side c, u;     /* client, upstream */
  uint16_t local_port;
  uint8_t connecting, dead, dirty;
  uint8_t no_local_port; /* the target said wantsLocalPort: false: no getsockname, port 0 reported */
};

struct relay {
  uv_poll_t poll; /* first: the uv handle's address is the relay's */
  uv_timer_t timer;
  napi_env env;
  int epfd;
  int spare_fd; /* kept open to accept-and-reset when out of file descriptors */
  int flags;
  uint32_t max_flows, nflows, buf_bytes;
  uint64_t idle_ms;
  flow *head, *tail, *graveyard;
  listener *listeners, *dead_listeners;
  int next_listener;
  double next_id;
  uint64_t last_collect; /* uv_now of the last collect() */
  char *scratch;
  double *stats;
  /* Records waiting for JavaScript (grows as needed), and the shared buffer they go through. */
  double *recs;
  size_t nrecs, cap_recs, flushed;
  double *recbuf;
  uint32_t recbuf_cap;
  int pipes[PIPE_POOL][2];
  int npipes;
  int depth;      /* > 0 while a batch, walk or flush runs: ended flows are freed after it */
  int flushing;
  int closing;    /* close() or teardown started */
  int tearing;    /* the environment is going away: no more calls into JavaScript */
  int open_handles;
  int orphaned;   /* the External was collected: free the struct once closed */
  int freed;      /* every resource but the struct is released */
  /* JavaScript: */
  napi_ref on_accept, on_records, on_error, resource, self, keep[2];
  napi_ref keys; /* an array of a target's property names (KEY_...), made once: a name made per call is hashed per call */
  napi_async_context async_ctx;
  napi_async_cleanup_hook_handle cleanup;
  napi_ref close_cb;
  /* Open while the loop (not JavaScript) called us and we called into JavaScript: */
  napi_handle_scope loop_scope;
  napi_callback_scope cb_scope;
  int in_loop, entered;
};

/* ---- small helpers ---------------------------------------------------------------------- */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static flow *flow_of(side *s) {
  return s->kind == W_CLIENT ? (flow *)((char *)s - offsetof(flow, c))
                             : (flow *)((char *)s - offsetof(flow, u));
}

static void lru_unlink(relay *r, flow *f) {
  if (f->prev) f->prev->next = f->next; else r->head = f->next;
  if (f->next) f->next->prev = f->prev; else r->tail = f->prev;
  f->prev = f->next = NULL;
}

static void lru_append(relay *r, flow *f) {
  f->prev = r->tail;
  f->next = NULL;
  if (r->tail) r->tail->next = f; else r->head = f;
  r->tail = f;
}

/* Close a socket; with `reset` the peer gets RST instead of FIN (SO_LINGER 0). */
static void close_fd(int fd, int reset) {
  if (fd < 0) return;
  if (reset) {
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  close(fd);
}

/*
 * Close a flow's two sockets. Their numbers are usually adjacent (the upstream socket is opened
 * right after the accept, and Linux hands out the lowest free number), and then one
 * close_range(2) closes both: a system call less per flow. Otherwise (or before Linux 5.9) two
 * close(2)s.
 */
static void close_pair(int a, int b, int reset) {
#ifdef SYS_close_range
  if (a >= 0 && b >= 0 && (a - b == 1 || b - a == 1)) {
    if (reset) {
      struct linger lg = {1, 0};
      setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    if (syscall(SYS_close_range, (unsigned)(a < b ? a : b), (unsigned)(a < b ? b : a), 0u) == 0) return;
    reset = 0; /* already set; close_range closes all or nothing */
  }
#endif
  close_fd(a, reset);
  close_fd(b, reset);
}

/* Parse an IPv4 or IPv6 literal with a port. 0 when it is neither. */
static socklen_t parse_addr(const char *text, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    return sizeof *a4;
  }
  if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    return sizeof *a6;
  }
  return 0;
}

/* ---- calling JavaScript ------------------------------------------------------------------ */

/*
 * A JavaScript callback threw: nothing above us can catch it (we run from the event loop),
 * so it goes to process 'uncaughtException' as a throw from any other callback would.
 */
static void rethrow_pending(napi_env env) {
  bool pending = false;
  napi_value error;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &error) == napi_ok)
    napi_fatal_exception(env, error);
}

/*
 * Make calls into JavaScript possible. From the loop that means a handle scope and a callback
 * scope (async context; the nextTick and microtask queues run when it closes), opened on the
 * first call of a wakeup and closed at its end (js_leave). Called from JavaScript: nothing to do.
 */
static int js_enter(relay *r) {
  if (r->tearing) return 0;
  if (!r->in_loop || r->entered) return 1;
  napi_value resource;
  if (napi_open_handle_scope(r->env, &r->loop_scope) != napi_ok) return 0;
  if (napi_get_reference_value(r->env, r->resource, &resource) != napi_ok ||
      napi_open_callback_scope(r->env, resource, r->async_ctx, &r->cb_scope) != napi_ok) {
    napi_close_handle_scope(r->env, r->loop_scope);
    return 0;
  }
  r->entered = 1;
  return 1;
}

static void js_leave(relay *r) {
  if (!r->entered) return;
  r->entered = 0;
  napi_close_callback_scope(r->env, r->cb_scope);
  napi_close_handle_scope(r->env, r->loop_scope);
}

/* Call a JavaScript function (ref) with argv; the result (may be NULL) is valid in `scope`. */
static napi_value js_call(relay *r, napi_ref fn_ref, size_t argc, napi_value *argv) {
  napi_value fn, recv, result = NULL;
  if (fn_ref == NULL || !js_enter(r)) return NULL;
  napi_get_reference_value(r->env, fn_ref, &fn);
  napi_get_reference_value(r->env, r->resource, &recv);
  if (napi_call_function(r->env, recv, fn, argc, argv, &result) != napi_ok) {
    rethrow_pending(r->env);
    return NULL;
  }
  return result;
}

static void report_error(relay *r, int err, const char *syscall) {
  napi_handle_scope scope;
  napi_value argv[2];
  if (r->on_error == NULL || !js_enter(r)) return;
  napi_open_handle_scope(r->env, &scope);
  napi_create_int32(r->env, -err, &argv[0]);
  napi_create_string_utf8(r->env, syscall, NAPI_AUTO_LENGTH, &argv[1]);
  js_call(r, r->on_error, 2, argv);
  napi_close_handle_scope(r->env, scope);
}

/* ---- records ----------------------------------------------------------------------------- */

static void fill_record(double *rec, flow *f, int kind, int reason, int err, double t) {
  rec[REC_ID] = f->id;
  rec[REC_KIND] = kind;
  rec[REC_REASON] = reason;
  rec[REC_ERRNO] = err;
  rec[REC_START] = f->start_ms;
  rec[REC_TIME] = t;
  rec[REC_BYTES_IN] = f->c.bytes;
  rec[REC_READS_IN] = f->c.reads;
  rec[REC_BYTES_OUT] = f->u.bytes;
  rec[REC_READS_OUT] = f->u.reads;
  rec[REC_LOCAL_PORT] = f->local_port;
  rec[REC_LISTENER] = f->l->id;
}

/* Queue a flow's end record for JavaScript (flush() delivers it). */
static void push_end(relay *r, flow *f, int reason, int err) {
  if (r->nrecs == r->cap_recs) {
    size_t cap = r->cap_recs ? r->cap_recs * 2 : 256;
    double *grown = realloc(r->recs, cap * REC_DOUBLES * sizeof(double));
    if (grown == NULL) return; /* out of memory: the record is lost, the flow still ends */
    r->recs = grown;
    r->cap_recs = cap;
  }
  fill_record(r->recs + r->nrecs * REC_DOUBLES, f, KIND_END, reason, err, now_ms());
  r->nrecs++;
}

/*
 * Deliver queued records: copied into the shared buffer a chunk at a time, one onRecords(count)
 * call per chunk. JavaScript may end more flows meanwhile (their records join the queue and
 * are delivered by this same loop: a nested flush returns at once).
 */
static void flush(relay *r) {
  if (r->flushing || r->nrecs == 0) return;
  if (r->tearing || r->on_records == NULL) {
    r->nrecs = r->flushed = 0;
    return;
  }
  r->flushing = 1;
  r->depth++;
  while (r->flushed < r->nrecs) {
    size_t n = r->nrecs - r->flushed;
    if (n > r->recbuf_cap) n = r->recbuf_cap;
    memcpy(r->recbuf, r->recs + r->flushed * REC_DOUBLES, n * REC_DOUBLES * sizeof(double));
    r->flushed += n;
    napi_handle_scope scope;
    napi_value argv[1];
    if (!js_enter(r)) break;
    napi_open_handle_scope(r->env, &scope);
    napi_create_uint32(r->env, (uint32_t)n, &argv[0]);
    js_call(r, r->on_records, 1, argv);
    napi_close_handle_scope(r->env, scope);
  }
  r->nrecs = r->flushed = 0;
  r->depth--;
  r->flushing = 0;
}

/* ---- flows ------------------------------------------------------------------------------- */

static void pipe_release(relay *r, side *s) {
  if (s->pipe_r < 0) return;
  if (s->pend_len == 0 && r->npipes < PIPE_POOL && !r->closing) {
    r->pipes[r->npipes][0] = s->pipe_r;
    r->pipes[r->npipes][1] = s->pipe_w;
    r->npipes++;
  } else {
    close(s->pipe_r);
    close(s->pipe_w);
  }
  s->pipe_r = s->pipe_w = -1;
}

/* Hold the loop open while there is a socket to serve, as an open server or socket does. */
static void update_ref(relay *r) {
  if (r->closing) return;
  if (r->listeners || r->nflows) uv_ref((uv_handle_t *)&r->poll);
  else uv_unref((uv_handle_t *)&r->poll);
}

/* Free ended flows and closed listeners once nothing can point at them any more. */
static void bury(relay *r) {
  if (r->depth > 0) return;
  while (r->graveyard) {
    flow *f = r->graveyard;
    r->graveyard = f->grave;
    free(f->c.pend);
    free(f->u.pend);
    free(f);
  }
  while (r->dead_listeners) {
    listener *l = r->dead_listeners;
    r->dead_listeners = l->next;
    free(l);
  }
}

/*
 * End a flow once: unlink it, queue its record, close both sockets (after an error or a failed
 * connect with RST: SO_LINGER 0), count it. Its memory goes to the graveyard (bury).
 */
static void flow_end(flow *f, int reason, int err) {
  relay *r = f->r;
  if (f->dead) return;
  f->dead = 1;
  lru_unlink(r, f);
  r->nflows--;
  push_end(r, f, reason, err);
  int reset = reason == END_CLIENT_RESET || reason == END_UPSTREAM_RESET || reason == END_CONNECT_FAILED;
  close_pair(f->c.fd, f->u.fd, reset);
  f->c.fd = f->u.fd = -1;
  pipe_release(r, &f->c);
  pipe_release(r, &f->u);
  r->stats[STAT_ACTIVE] = r->nflows;
  r->stats[STAT_ENDED]++;
  r->stats[STAT_END_BASE + reason]++;
  f->grave = r->graveyard;
  r->graveyard = f;
}

/* An error on side s (errno): the flow ends as that side's reset. */
static void side_failed(flow *f, side *s, int err) {
  flow_end(f, s == &f->c ? END_CLIENT_RESET : END_UPSTREAM_RESET, err);
}

/* Watch a flow's socket for good: edge-triggered, so nothing is asked of epoll again. */
static int side_watch(relay *r, flow *f, side *s) {
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = s};
  if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, s->fd, &ev) == 0) return 1;
  side_failed(f, s, errno);
  return 0;
}

/*
 * Upstream sockets start without TCP_NODELAY, to save a system call per connection where it
 * makes no difference: Nagle holds back a small segment only while earlier data is unacknowledged,
 * and before a socket's first send there is none, so a first send that fits one segment (any
 * peer's MSS takes NAGLE_FIRST_MAX bytes) goes out at once as with TCP_NODELAY. A short
 * request/response flow never sends more; before anything else is sent, TCP_NODELAY is set
 * (accepted sockets have it from the listening socket).
 */
#define NAGLE_FIRST_MAX 536

static void nodelay_for(side *dst, size_t n) {
  if (dst->nagle == 1 && n <= NAGLE_FIRST_MAX) {
    dst->nagle = 2;
    return;
  }
  int one = 1;
  setsockopt(dst->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  dst->nagle = 0;
}

/* Write what waits for `dst`. 1: all written; 0: some left (or it failed: check f->dead). */
static int drain(flow *f, side *dst) {
  while (dst->pend_len > 0) {
    ssize_t n;
    if (dst->nagle) nodelay_for(dst, dst->pend_len);
    if (dst->pipe_r >= 0)
      n = splice(dst->pipe_r, NULL, dst->fd, NULL, dst->pend_len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    else
      n = send(dst->fd, dst->pend + dst->pend_off, dst->pend_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) side_failed(f, dst, errno);
      return 0;
    }
    dst->pend_off += (uint32_t)n;
    dst->pend_len -= (uint32_t)n;
  }
  dst->pend_off = 0;
  return 1;
}

/* Mark activity: the flow moves to the tail of the activity list. */
static void touch(relay *r, flow *f) {
  f->last = uv_now(r->poll.loop);
  f->dirty = 1;
  if (r->tail != f) {
    lru_unlink(r, f);
    lru_append(r, f);
  }
}

/* Read up to buf_bytes from src into dst's pipe (splice mode) or the scratch buffer. */
static ssize_t take(relay *r, side *src, side *dst) {
  if (!(r->flags & CREATE_SPLICE)) return recv(src->fd, r->scratch, r->buf_bytes, MSG_DONTWAIT);
  if (dst->pipe_r < 0) {
    int p[2];
    if (r->npipes > 0) {
      r->npipes--;
      p[0] = r->pipes[r->npipes][0];
      p[1] = r->pipes[r->npipes][1];
    } else if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
      return -1;
    }
    dst->pipe_r = p[0];
    dst->pipe_w = p[1];
  }
  return splice(src->fd, NULL, dst->pipe_w, NULL, r->buf_bytes, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

/*
 * Give dst the n bytes just taken from src. 1: all taken; 0: the rest waits for dst's next
 * EPOLLOUT (read/write mode copies it into dst's own buffer), or dst failed (f->dead).
 * `last`: they are src's last bytes, and dst's FIN (shutdown or close) follows as soon as they
 * are all taken: sent with MSG_MORE, so the FIN rides in their segment instead of one of its
 * own (one packet, one wakeup of the peer less; a partial send is pushed by the kernel).
 */
static int give(relay *r, flow *f, side *dst, ssize_t n, int last) {
  if (r->flags & CREATE_SPLICE) {
    dst->pend_len = (uint32_t)n;
    return drain(f, dst);
  }
  ssize_t w;
  if (dst->nagle) nodelay_for(dst, (size_t)n);
  do w = send(dst->fd, r->scratch, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT | (last ? MSG_MORE : 0));
  while (w < 0 && errno == EINTR);
  if (w < 0 && errno != EAGAIN) {
    side_failed(f, dst, errno);
    return 0;
  }
  if (w < 0) w = 0;
  if (w == n) return 1;
  if (dst->pend == NULL && (dst->pend = malloc(r->buf_bytes)) == NULL) {
    side_failed(f, dst, ENOMEM);
    return 0;
  }
  memcpy(dst->pend, r->scratch + w, (size_t)(n - w));
  dst->pend_off = 0;
  dst->pend_len = (uint32_t)(n - w);
  return 0;
}

/*
 * Move what src has to dst: first what still waits for dst, then fresh reads while src is
 * `ready` (an edge said so and no read since came back short or empty), until dst is full
 * (the rest waits; src is not read meanwhile: backpressure) or READS_PER_WAKEUP full reads
 * (then epoll is asked to report src again: one flow cannot hold the loop). A short read
 * after EPOLLRDHUP is the end of the stream: no read is spent to see the 0. src's end is
 * forwarded as shutdown(SHUT_WR) while the other direction is still open (half-close).
 */
static void pump(relay *r, flow *f, side *src, side *dst) {
  if (!drain(f, dst)) return;
  for (int i = 0; src->ready && !src->eof; i++) {
    if (i == READS_PER_WAKEUP) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = src};
      epoll_ctl(r->epfd, EPOLL_CTL_MOD, src->fd, &ev); /* re-arm: reported again if still readable */
      break;
    }
    ssize_t n = take(r, src, dst);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) src->ready = 0;
      else side_failed(f, src, errno);
      break;
    }
    if (n == 0) {
      src->eof = 1;
      break;
    }
    src->bytes += (double)n;
    src->reads++;
    touch(r, f);
    if (!give(r, f, dst, n, (size_t)n < r->buf_bytes && src->rdhup)) return;
    if ((size_t)n < r->buf_bytes) { /* drained: the next edge says when there is more */
      src->ready = 0;
      src->eof = src->rdhup;
    }
  }
  if (f->dead || !src->eof || dst->shut || dst->pend_len) return;
  /* The other direction done too: flow_finish closes both, no shutdown needed. */
  if (dst->eof && src->pend_len == 0) return;
  dst->shut = 1;
  if (shutdown(dst->fd, SHUT_WR) < 0 && errno != ENOTCONN) side_failed(f, dst, errno);
}

/* Both directions, then: done when both ends arrived and every byte was handed over. */
static void flow_run(relay *r, flow *f) {
  pump(r, f, &f->c, &f->u);
  if (!f->dead) pump(r, f, &f->u, &f->c);
  if (!f->dead && f->c.eof && f->u.eof && !f->c.pend_len && !f->u.pend_len) flow_end(f, END_CLOSED, 0);
}

static void on_side(relay *r, side *s, uint32_t events) {
  flow *f = flow_of(s);
  if (f->dead) return;
  if (events & EPOLLERR) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (f->connecting && s == &f->u) flow_end(f, END_CONNECT_FAILED, err ? err : ECONNREFUSED);
    else side_failed(f, s, err ? err : ECONNRESET);
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) s->ready = 1;
  if (events & (EPOLLRDHUP | EPOLLHUP)) s->rdhup = 1;
  if (f->connecting) {
    if (s != &f->u || !(events & EPOLLOUT)) return; /* the client's bytes wait for the connect */
    f->connecting = 0;
  }
  flow_run(r, f);
}

/* ---- accepting --------------------------------------------------------------------------- */

/* A target property, by its name made once (keys: the array r->keys holds). */
static napi_status get_key(napi_env env, napi_value keys, napi_value target, int key, napi_value *v) {
  napi_value name;
  napi_status st = napi_get_element(env, keys, (uint32_t)key, &name);
  return st == napi_ok ? napi_get_property(env, target, name, v) : st;
}

/*
 * Ask JavaScript where the connection goes: 1 with dst/local filled; 0 when it refused (no
 * object); -1 for an object that is not a usable target (it then gets its end record, as
 * connect-failed EINVAL, like any target JavaScript may be holding on to).
 */
static int ask_target(relay *r, listener *l, flow *f, const struct sockaddr_storage *ss,
                      struct sockaddr_storage *dst, socklen_t *dst_len, struct sockaddr_storage *local,
                      socklen_t *local_len) {
  napi_env env = r->env;
  char text[INET6_ADDRSTRLEN];
  int port;
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  }
  napi_handle_scope scope;
  napi_value argv[4], target, v;
  napi_valuetype type;
  int ok = 0;
  if (!js_enter(r)) return 0;
  napi_open_handle_scope(env, &scope);
  napi_create_int32(env, l->id, &argv[0]);
  napi_create_double(env, f->id, &argv[1]);
  napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &argv[2]);
  napi_create_int32(env, port, &argv[3]);
  target = js_call(r, r->on_accept, 4, argv);
  napi_value keys;
  if (target != NULL && napi_typeof(env, target, &type) == napi_ok && type == napi_object &&
      napi_get_reference_value(env, r->keys, &keys) == napi_ok) {
    char addr[INET6_ADDRSTRLEN + 1], la[INET6_ADDRSTRLEN + 1];
    ok = -1;
    size_t len = 0;
    int32_t tport = -1;
    if (get_key(env, keys, target, KEY_ADDRESS, &v) == napi_ok &&
        napi_get_value_string_latin1(env, v, addr, sizeof addr, &len) == napi_ok && len < sizeof addr - 1) {
      if (get_key(env, keys, target, KEY_PORT, &v) == napi_ok && napi_get_value_int32(env, v, &tport) == napi_ok &&
          tport > 0 && tport <= 65535 && (*dst_len = parse_addr(addr, tport, dst)) != 0) {
        ok = 1;
        *local_len = 0;
        if (get_key(env, keys, target, KEY_LOCAL_ADDRESS, &v) != napi_ok || napi_typeof(env, v, &type) != napi_ok)
          ok = -1;
        else if (type == napi_string)
          ok = napi_get_value_string_latin1(env, v, la, sizeof la, &len) == napi_ok && len < sizeof la - 1 &&
                       (*local_len = parse_addr(la, 0, local)) != 0 ? 1 : -1;
        else if (type != napi_undefined && type != napi_null)
          ok = -1;
        bool wants = true;
        if (ok == 1 && get_key(env, keys, target, KEY_WANTS_LOCAL_PORT, &v) == napi_ok && napi_get_value_bool(env, v, &wants) == napi_ok)
          f->no_local_port = !wants;
      }
    }
  }
  rethrow_pending(env);
  napi_close_handle_scope(env, scope);
  return ok;
}

/* Open the upstream socket and start its connect (*done: it connected at once). 0 or an errno. */
static int open_upstream(flow *f, const struct sockaddr_storage *dst, socklen_t dst_len,
                         const struct sockaddr_storage *local, socklen_t local_len, int *done) {
  int one = 1;
  int fd = socket(dst->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  f->u.fd = fd;
  f->u.nagle = 1; /* TCP_NODELAY when needed: nodelay_for */
  if (local_len) {
    if (local->ss_family != dst->ss_family) return EAFNOSUPPORT;
    /* Port 0: the port is picked at connect() for the whole 4-tuple, so one local address
       can carry many flows (bind alone would reserve a port per socket). */
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)local, local_len) < 0) return errno;
  }
  *done = connect(fd, (const struct sockaddr *)dst, dst_len) == 0;
  if (!*done && errno != EINPROGRESS) return errno;
  if (f->no_local_port) return 0; /* nobody reads it: a system call saved */
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
    f->local_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                    : ((struct sockaddr_in *)&ss)->sin_port);
  return 0;
}

/* One accepted connection: ask JavaScript, then connect upstream (or reset the client). */
static void on_accepted(relay *r, listener *l, int fd, const struct sockaddr_storage *ss) {
  struct sockaddr_storage dst, local;
  socklen_t dst_len = 0, local_len = 0;
  r->stats[STAT_ACCEPTED]++;
  if (r->nflows >= r->max_flows && r->head) flow_end(r->head, END_EVICTED, 0);
  flow *f = calloc(1, sizeof *f);
  if (f == NULL) {
    close_fd(fd, 1);
    report_error(r, ENOMEM, "calloc");
    return;
  }
  f->r = r;
  f->l = l;
  f->id = ++r->next_id;
  f->start_ms = now_ms();
  f->c.kind = W_CLIENT;
  f->u.kind = W_UPSTREAM;
  f->c.fd = fd;
  f->u.fd = -1;
  f->c.pipe_r = f->c.pipe_w = f->u.pipe_r = f->u.pipe_w = -1;
  int asked = ask_target(r, l, f, ss, &dst, &dst_len, &local, &local_len);
  if (asked == 0) {
    r->stats[STAT_REFUSED]++;
    close_fd(fd, 1);
    free(f);
    return;
  }
  /* From here JavaScript holds the flow's id: it gets exactly one end record. */
  f->last = uv_now(r->poll.loop);
  lru_append(r, f);
  r->nflows++;
  r->stats[STAT_ACTIVE] = r->nflows;
  update_ref(r);
  if (r->closing || l->dead) { /* JavaScript closed the relay or the listener meanwhile */
    flow_end(f, r->closing ? END_RELAY_CLOSED : END_LISTENER_CLOSED, 0);
    return;
  }
  int done = 0, err = asked < 0 ? EINVAL : open_upstream(f, &dst, dst_len, &local, local_len, &done);
  if (err) {
    flow_end(f, END_CONNECT_FAILED, err);
    return;
  }
  /* Both sockets join epoll now, once: their first events say the connect finished (EPOLLOUT
     on the upstream) and the client's first bytes are there (kept until then). */
  f->connecting = !done;
  if (side_watch(r, f, &f->c)) side_watch(r, f, &f->u);
}

static void on_listener(relay *r, listener *l) {
  for (int i = 0; i < ACCEPTS_PER_WAKEUP && !l->dead && !r->closing; i++) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      on_accepted(r, l, fd, &ss);
      continue;
    }
    int err = errno;
    if (err == EINTR || err == ECONNABORTED) continue;
    if (err == EAGAIN) return;
    r->stats[STAT_ACCEPT_ERRORS]++;
    if ((err == EMFILE || err == ENFILE) && r->spare_fd >= 0) {
      /* Out of file descriptors: the connection would stay queued and the listener readable
         on every wakeup. Give back the spare one, take the connection, reset it. */
      close(r->spare_fd);
      close_fd(accept4(l->fd, NULL, NULL, SOCK_CLOEXEC), 1);
      r->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      report_error(r, err, "accept");
      continue;
    }
    report_error(r, err, "accept");
    return;
  }
}

/* Enter and leave a callback from the loop: JavaScript scopes on demand, frees after. */
static void loop_begin(relay *r) {
  r->in_loop = 1;
  r->depth++;
}

static void loop_end(relay *r) {
  flush(r);
  update_ref(r);
  r->depth--;
  js_leave(r);
  r->in_loop = 0;
  bury(r);
}

static void on_epoll(uv_poll_t *handle, int status, int events) {
  relay *r = (relay *)handle;
  struct epoll_event ev[MAX_EVENTS];
  (void)events;
  if (r->closing) return;
  loop_begin(r);
  if (status < 0) report_error(r, -status, "epoll");
  for (int round = 0; round < ROUNDS_PER_WAKEUP && !r->closing; round++) {
    int n = epoll_wait(r->epfd, ev, MAX_EVENTS, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (int i = 0; i < n && !r->closing; i++) {
      if (*(int *)ev[i].data.ptr == W_LISTENER) {
        listener *l = ev[i].data.ptr;
        if (!l->dead) on_listener(r, l);
      } else {
        on_side(r, ev[i].data.ptr, ev[i].events);
      }
    }
    if (n < MAX_EVENTS) break;
  }
  loop_end(r);
}

/* The idle sweep: flows at the head of the activity list with no byte for idle_ms. */
static void on_timer(uv_timer_t *timer) {
  relay *r = (relay *)((char *)timer - offsetof(relay, timer));
  uint64_t now = uv_now(timer->loop);
  if (r->closing) return;
  loop_begin(r);
  while (r->head && !r->closing && r->head->last + r->idle_ms <= now) flow_end(r->head, END_IDLE, 0);
  loop_end(r);
}

/* ---- lifecycle --------------------------------------------------------------------------- */

/* Close every listener and flow (reason for their records). Nothing is freed while depth > 0. */
static void close_all(relay *r, int reason) {
  r->depth++;
  while (r->listeners) {
    listener *l = r->listeners;
    r->listeners = l->next;
    l->dead = 1;
    close(l->fd);
    l->next = r->dead_listeners;
    r->dead_listeners = l;
  }
  while (r->head) flow_end(r->head, reason, 0);
  r->depth--;
}

/* Free everything but the struct itself (the External's finalizer owns that). */
static void release(relay *r) {
  napi_env env = r->env;
  bury(r);
  if (r->epfd >= 0) close(r->epfd);
  if (r->spare_fd >= 0) close(r->spare_fd);
  r->epfd = r->spare_fd = -1;
  for (int i = 0; i < r->npipes; i++) {
    close(r->pipes[i][0]);
    close(r->pipes[i][1]);
  }
  r->npipes = 0;
  napi_ref *refs[] = {&r->on_accept, &r->on_records, &r->on_error, &r->resource, &r->self, &r->keep[0],
                      &r->keep[1], &r->keys};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
    if (*refs[i]) napi_delete_reference(env, *refs[i]);
    *refs[i] = NULL;
  }
  if (r->async_ctx) napi_async_destroy(env, r->async_ctx);
  r->async_ctx = NULL;
  free(r->scratch);
  free(r->recs);
  r->scratch = NULL;
  r->recs = NULL;
  r->freed = 1;
}

static void on_handle_closed(uv_handle_t *handle) {
  relay *r = (relay *)handle->data;
  if (--r->open_handles > 0) return;
  napi_env env = r->env;
  napi_ref cb = r->close_cb;
  napi_async_cleanup_hook_handle hook = r->cleanup;
  r->close_cb = NULL;
  r->cleanup = NULL;
  if (cb != NULL) {
    /* Every socket is closed by now: the callback may rely on the ports being free. */
    if (!r->tearing) {
      napi_handle_scope scope;
      napi_value fn, recv, result;
      napi_open_handle_scope(env, &scope);
      napi_get_reference_value(env, cb, &fn);
      napi_get_reference_value(env, r->resource, &recv);
      napi_make_callback(env, r->async_ctx, recv, fn, 0, NULL, &result);
      rethrow_pending(env);
      napi_close_handle_scope(env, scope);
    }
    napi_delete_reference(env, cb);
  }
  release(r);
  if (hook != NULL) napi_remove_async_cleanup_hook(hook);
  if (r->orphaned) free(r);
}

/* Start closing: sockets now, the uv handles (and so the callback) on the next loop turn. */
static void start_close(relay *r) {
  r->closing = 1;
  close_all(r, END_RELAY_CLOSED);
  flush(r);
  uv_poll_stop(&r->poll);
  uv_timer_stop(&r->timer);
  if (r->epfd >= 0) close(r->epfd); /* safe once the poll handle is stopped */
  r->epfd = -1;
  r->open_handles = 2;
  uv_close((uv_handle_t *)&r->poll, on_handle_closed);
  uv_close((uv_handle_t *)&r->timer, on_handle_closed);
  bury(r);
}

/* Environment teardown (worker thread exit, process exit) with the relay still open. */
static void on_env_teardown(napi_async_cleanup_hook_handle hook, void *arg) {
  relay *r = (relay *)arg;
  (void)hook;
  r->tearing = 1;
  if (!r->closing) start_close(r);
}

/* The External was collected: only after close (it holds itself while open), or at teardown. */
static void on_collected(napi_env env, void *data, void *hint) {
  relay *r = (relay *)data;
  (void)env;
  (void)hint;
  if (r->freed) {
    free(r);
    return;
  }
  r->orphaned = 1;
  r->tearing = 1;
  if (!r->closing) start_close(r);
}

/* ---- the JavaScript interface ------------------------------------------------------------ */

#define CHECK(call)                                                                     \
  do {                                                                                  \
    if ((call) != napi_ok) {                                                            \
      napi_throw_error(env, "TCP_RELAY_ERR_NAPI", "Node-API call failed: " #call);      \
      return NULL;                                                                      \
    }                                                                                   \
  } while (0)

/* Throw an Error carrying errno (negative, as libuv and Node report it) and the syscall. */
static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_value msg, error, v;
  char text[128];
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_int32(env, -err, &v);
  napi_set_named_property(env, error, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "syscall", v);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_args(napi_env env, const char *what) {
  napi_throw_type_error(env, "TCP_RELAY_ERR_ARGS", what);
  return NULL;
}

static int get_arraybuffer(napi_env env, napi_value v, void **data, size_t *len) {
  bool is_ab = false;
  return napi_is_arraybuffer(env, v, &is_ab) == napi_ok && is_ab &&
         napi_get_arraybuffer_info(env, v, data, len) == napi_ok;
}

static int is_function(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && t == napi_function;
}

static relay *get_relay(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    throw_args(env, "not a relay");
    return NULL;
  }
  return (relay *)p;
}

/* The target's property names, once per relay. 1 when made. */
static int make_keys(napi_env env, relay *r) {
  napi_value keys;
  if (napi_create_array_with_length(env, KEY_COUNT, &keys) != napi_ok) return 0;
  for (int k = 0; k < KEY_COUNT; k++) {
    napi_value name;
    if (napi_create_string_latin1(env, KEY_NAMES[k], NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_set_element(env, keys, (uint32_t)k, name) != napi_ok)
      return 0;
  }
  return napi_create_reference(env, keys, 1, &r->keys) == napi_ok;
}

/*
 * create(maxFlows, idleMs, bufferBytes, recordBuffer, statsBuffer, onAccept, onRecords,
 *        onError, flags) -> relay (an External)
 */
static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9], result, resource, name;
  int32_t max_flows, buf_bytes, flags;
  double idle_ms;
  void *recbuf = NULL, *stats = NULL;
  size_t rec_len = 0, stats_len = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 9) return throw_args(env, "create() takes 9 arguments");
  if (napi_get_value_int32(env, argv[0], &max_flows) != napi_ok ||
      napi_get_value_double(env, argv[1], &idle_ms) != napi_ok ||
      napi_get_value_int32(env, argv[2], &buf_bytes) != napi_ok ||
      napi_get_value_int32(env, argv[8], &flags) != napi_ok || !get_arraybuffer(env, argv[3], &recbuf, &rec_len) ||
      !get_arraybuffer(env, argv[4], &stats, &stats_len) || !is_function(env, argv[5]) ||
      !is_function(env, argv[6]) || !is_function(env, argv[7]))
    return throw_args(env, "create(): bad argument types");
  if (max_flows < 1 || max_flows > 1000000 || !(idle_ms >= 1 && idle_ms <= 86400000.0) || buf_bytes < 1024 ||
      buf_bytes > (1 << 20) || rec_len < REC_DOUBLES * sizeof(double) || stats_len < STAT_COUNT * sizeof(double))
    return throw_args(env, "create(): argument out of range");

  relay *r = calloc(1, sizeof *r);
  if (r == NULL) return throw_errno(env, ENOMEM, "calloc");
  r->env = env;
  r->epfd = r->spare_fd = -1;
  r->flags = flags;
  r->max_flows = (uint32_t)max_flows;
  r->idle_ms = (uint64_t)idle_ms;
  r->buf_bytes = (uint32_t)buf_bytes;
  r->recbuf = recbuf;
  r->recbuf_cap = (uint32_t)(rec_len / (REC_DOUBLES * sizeof(double)));
  r->stats = stats;
  memset(stats, 0, STAT_COUNT * sizeof(double));
  r->epfd = epoll_create1(EPOLL_CLOEXEC);
  r->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (!(flags & CREATE_SPLICE)) r->scratch = malloc((size_t)buf_bytes);
  if (r->epfd < 0 || (!(flags & CREATE_SPLICE) && r->scratch == NULL)) {
    int err = r->epfd < 0 ? errno : ENOMEM;
    const char *syscall = r->epfd < 0 ? "epoll_create1" : "malloc";
    release(r);
    free(r);
    return throw_errno(env, err, syscall);
  }
  if (napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "TCP_RELAY", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, resource, name, &r->async_ctx) != napi_ok ||
      napi_create_reference(env, resource, 1, &r->resource) != napi_ok ||
      napi_create_reference(env, argv[3], 1, &r->keep[0]) != napi_ok ||
      napi_create_reference(env, argv[4], 1, &r->keep[1]) != napi_ok ||
      napi_create_reference(env, argv[5], 1, &r->on_accept) != napi_ok ||
      napi_create_reference(env, argv[6], 1, &r->on_records) != napi_ok ||
      napi_create_reference(env, argv[7], 1, &r->on_error) != napi_ok || !make_keys(env, r)) {
    release(r);
    free(r);
    napi_throw_error(env, "TCP_RELAY_ERR_NAPI", "create(): Node-API setup failed");
    return NULL;
  }
  struct uv_loop_s *loop;
  int rc;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || (rc = uv_poll_init(loop, &r->poll, r->epfd)) != 0) {
    release(r);
    free(r);
    napi_throw_error(env, "TCP_RELAY_ERR_NAPI", "create(): no event loop");
    return NULL;
  }
  uv_timer_init(loop, &r->timer);
  r->poll.data = r->timer.data = r;
  uint64_t every = r->idle_ms / 4;
  if (every < 10) every = 10;
  if (every > 1000) every = 1000;
  uv_timer_start(&r->timer, on_timer, every, every);
  uv_unref((uv_handle_t *)&r->timer);
  if ((rc = uv_poll_start(&r->poll, UV_READABLE, on_epoll)) != 0) {
    r->orphaned = 1;
    r->tearing = 1;
    start_close(r);
    return throw_errno(env, -rc, "uv_poll_start");
  }
  uv_unref((uv_handle_t *)&r->poll); /* nothing to serve yet */
  napi_add_async_cleanup_hook(env, on_env_teardown, r, &r->cleanup);
  CHECK(napi_create_external(env, r, on_collected, NULL, &result));
  CHECK(napi_create_reference(env, result, 1, &r->self));
  return result;
}

/* listen(relay, host, port, backlog) -> listener id. Throws errno-style errors. */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result;
  char host[INET6_ADDRSTRLEN + 1];
  size_t host_len = 0;
  int32_t port, backlog;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return throw_args(env, "listen() takes 4 arguments");
  relay *r = get_relay(env, argv[0]);
  if (r == NULL) return NULL;
  if (napi_get_value_string_latin1(env, argv[1], host, sizeof host, &host_len) != napi_ok ||
      napi_get_value_int32(env, argv[2], &port) != napi_ok || napi_get_value_int32(env, argv[3], &backlog) != napi_ok)
    return throw_args(env, "listen(): bad argument types");
  if (port < 0 || port > 65535 || backlog < 1) return throw_args(env, "listen(): argument out of range");
  if (r->closing) return throw_errno(env, EBADF, "listen");
  struct sockaddr_storage ss;
  socklen_t len = host_len < sizeof host - 1 ? parse_addr(host, port, &ss) : 0;
  if (len == 0) return throw_errno(env, EINVAL, "inet_pton");
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  int one = 1, zero = 0;
  /* As Node's net: SO_REUSEADDR (a port in TIME_WAIT can be bound again), '::' dual-stack;
     accepted sockets inherit TCP_NODELAY from the listening one. */
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const char *failed = bind(fd, (struct sockaddr *)&ss, len) < 0 ? "bind" : listen(fd, backlog) < 0 ? "listen" : NULL;
  listener *l = failed ? NULL : calloc(1, sizeof *l);
  if (l == NULL && failed == NULL) {
    errno = ENOMEM;
    failed = "calloc";
  }
  if (failed) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, failed);
  }
  l->kind = W_LISTENER;
  l->fd = fd;
  l->r = r;
  l->id = ++r->next_listener;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
  if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    int err = errno;
    close(fd);
    free(l);
    return throw_errno(env, err, "epoll_ctl");
  }
  l->next = r->listeners;
  r->listeners = l;
  update_ref(r);
  CHECK(napi_create_int32(env, l->id, &result));
  return result;
}

static listener *find_listener(relay *r, int32_t id) {
  for (listener *l = r->listeners; l; l = l->next)
    if (l->id == id) return l;
  return NULL;
}

/* port(relay, listenerId) -> the bound port. */
static napi_value js_port(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  int32_t id = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay *r = argc >= 2 ? get_relay(env, argv[0]) : NULL;
  if (r == NULL) return argc >= 2 ? NULL : throw_args(env, "port() takes 2 arguments");
  if (napi_get_value_int32(env, argv[1], &id) != napi_ok) return throw_args(env, "port(): bad listener id");
  listener *l = find_listener(r, id);
  if (l == NULL) return throw_errno(env, EBADF, "getsockname");
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0) return throw_errno(env, errno, "getsockname");
  int port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                            : ((struct sockaddr_in *)&ss)->sin_port);
  CHECK(napi_create_int32(env, port, &result));
  return result;
}

/*
 * unlisten(relay, listenerId): close the listening socket and end its flows (their records
 * are delivered before this returns). Unknown or closed ids are ignored.
 */
static napi_value js_unlisten(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t id = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay *r = argc >= 2 ? get_relay(env, argv[0]) : NULL;
  if (r == NULL) return argc >= 2 ? NULL : throw_args(env, "unlisten() takes 2 arguments");
  if (napi_get_value_int32(env, argv[1], &id) != napi_ok) return throw_args(env, "unlisten(): bad listener id");
  listener *l = find_listener(r, id);
  if (l == NULL) return NULL;
  listener **p = &r->listeners;
  while (*p != l) p = &(*p)->next;
  *p = l->next;
  l->dead = 1;
  close(l->fd);
  l->next = r->dead_listeners;
  r->dead_listeners = l;
  r->depth++;
  for (flow *f = r->head, *next; f; f = next) {
    next = f->next;
    if (f->l == l) flow_end(f, END_LISTENER_CLOSED, 0);
  }
  r->depth--;
  update_ref(r);
  flush(r);
  bury(r);
  return NULL;
}

/*
 * collect(relay) -> ArrayBuffer of KIND_UPDATE records: the totals so far of every open flow
 * that moved bytes since the last collect(). The flows that did so are the tail of the
 * activity list back to the last collect's time.
 */
static napi_value js_collect(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  void *data = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay *r = argc >= 1 ? get_relay(env, argv[0]) : NULL;
  if (r == NULL) return argc >= 1 ? NULL : throw_args(env, "collect() takes 1 argument");
  uint64_t since = r->last_collect;
  r->last_collect = uv_now(r->poll.loop);
  size_t n = 0;
  for (flow *f = r->tail; f && f->last >= since; f = f->prev) n += f->dirty;
  CHECK(napi_create_arraybuffer(env, n * REC_DOUBLES * sizeof(double), &data, &result));
  double *rec = data, t = now_ms();
  for (flow *f = r->tail; f && f->last >= since; f = f->prev) {
    if (!f->dirty) continue;
    f->dirty = 0;
    fill_record(rec, f, KIND_UPDATE, 0, 0, t);
    rec += REC_DOUBLES;
  }
  return result;
}

/* close(relay, callback): close every socket (flows end as END_RELAY_CLOSED), then call back. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay *r = argc >= 1 ? get_relay(env, argv[0]) : NULL;
  if (r == NULL) return argc >= 1 ? NULL : throw_args(env, "close() takes 2 arguments");
  if (r->closing) return NULL; /* idempotent: the first callback is the one called */
  if (argc > 1 && is_function(env, argv[1])) CHECK(napi_create_reference(env, argv[1], 1, &r->close_cb));
  start_close(r);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", NULL, js_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listen", NULL, js_listen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"port", NULL, js_port, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unlisten", NULL, js_unlisten, NULL, NULL, NULL, napi_enumerable, NULL},
      {"collect", NULL, js_collect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value v;
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_create_int32(env, REC_DOUBLES, &v);
  napi_set_named_property(env, exports, "REC_DOUBLES", v);
  napi_create_int32(env, STAT_COUNT, &v);
  napi_set_named_property(env, exports, "STAT_COUNT", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
