/*
 * Batched UDP I/O for Node.js on Linux: recvmmsg(2) in, one JavaScript call per batch,
 * sendmmsg(2) out.
 *
 * The socket is ours (socket/bind here), watched by a uv_poll_t on Node's own event loop.
 * When it is readable we read up to `batch` datagrams with one recvmmsg into slots of a
 * JavaScript ArrayBuffer, describe each in a metadata ArrayBuffer (length, source address
 * and port), call the JavaScript handler once with the count, and send every answer it left
 * in the output ArrayBuffer with one sendmmsg back to each datagram's source. Two system
 * calls and one JavaScript entry per batch instead of two calls and one entry per datagram.
 *
 * Memory is fixed at open(): nothing a peer sends allocates. The JavaScript side owns the
 * three buffers (kept alive by references held here) and lays them out as udp_mmsg.h says.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "udp_mmsg.h"

/* A readable event reads at most this many batches before yielding to the event loop. */
#define MAX_BATCHES_PER_WAKEUP 8

typedef struct endpoint {
  uv_poll_t poll; /* first: the uv handle's address is the endpoint's */
  napi_env env;
  int fd;
  int batch;
  int closing;  /* close() or teardown started: nothing more is read or sent */
  int closed;   /* the uv handle is closed and every resource but this struct is freed */
  int orphaned; /* the External was collected: free this struct once closed */
  napi_ref on_batch;
  napi_ref on_error;
  napi_ref resource;
  napi_ref keep[3]; /* the three ArrayBuffers */
  napi_ref self;    /* the External itself while open: like any open socket, it lives until closed */
  napi_async_context async_ctx;
  uint8_t *in;
  uint32_t slot;
  int32_t *meta;
  uint8_t *out;
  uint32_t out_slot;
  napi_async_cleanup_hook_handle cleanup;
  napi_ref close_cb;
  struct mmsghdr *rmsg;
  struct iovec *riov;
  struct sockaddr_storage *addrs;
  struct mmsghdr *smsg;
  struct iovec *siov;
} endpoint;

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      const napi_extended_error_info *info_;                                \
      napi_get_last_error_info(env, &info_);                                \
      napi_throw_error(env, "UDP_MMSG_ERR_NAPI",                            \
                       info_ && info_->error_message ? info_->error_message \
                                                     : "Node-API call failed"); \
      return NULL;                                                          \
    }                                                                       \
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

static void report_error(endpoint *ep, int err, const char *syscall) {
  napi_env env = ep->env;
  napi_handle_scope scope;
  napi_value fn, recv, argv[2], result;
  if (ep->on_error == NULL) return;
  napi_open_handle_scope(env, &scope);
  napi_get_reference_value(env, ep->on_error, &fn);
  napi_get_reference_value(env, ep->resource, &recv);
  napi_create_int32(env, -err, &argv[0]);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &argv[1]);
  napi_make_callback(env, ep->async_ctx, recv, fn, 2, argv, &result);
  rethrow_pending(env);
  napi_close_handle_scope(env, scope);
}

/* Describe datagram i in its metadata record. */
static void describe(endpoint *ep, int i) {
  int32_t *m = ep->meta + (size_t)i * META_INTS;
  const struct sockaddr_storage *ss = &ep->addrs[i];
  uint8_t *raw = (uint8_t *)(m + META_ADDR);
  char *text = (char *)(m + META_TEXT);
  m[META_LEN] = (int32_t)ep->rmsg[i].msg_len;
  m[META_FLAGS] = (ep->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) ? META_FLAG_TRUNCATED : 0;
  m[META_OUT_LEN] = 0;
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    m[META_FAMILY] = 6;
    m[META_PORT] = ntohs(a->sin6_port);
    memcpy(raw, &a->sin6_addr, 16);
    inet_ntop(AF_INET6, &a->sin6_addr, text, META_TEXT_BYTES);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    m[META_FAMILY] = 4;
    m[META_PORT] = ntohs(a->sin_port);
    memset(raw, 0, 16);
    memcpy(raw, &a->sin_addr, 4);
    inet_ntop(AF_INET, &a->sin_addr, text, META_TEXT_BYTES);
  }
  m[META_TEXT_LEN] = (int32_t)strlen(text);
}

/* Hand n datagrams to JavaScript; false if it threw or closed the endpoint. */
static int call_js(endpoint *ep, int n) {
  napi_env env = ep->env;
  napi_handle_scope scope;
  napi_value fn, recv, argv[1], result;
  napi_status st;
  napi_open_handle_scope(env, &scope);
  napi_get_reference_value(env, ep->on_batch, &fn);
  napi_get_reference_value(env, ep->resource, &recv);
  napi_create_int32(env, n, &argv[0]);
  st = napi_make_callback(env, ep->async_ctx, recv, fn, 1, argv, &result);
  rethrow_pending(env);
  napi_close_handle_scope(env, scope);
  return st == napi_ok && !ep->closing;
}

/* Send every answer JavaScript left for datagrams 0..n-1. */
static void send_answers(endpoint *ep, int n) {
  int m = 0;
  for (int i = 0; i < n; i++) {
    const int32_t *meta = ep->meta + (size_t)i * META_INTS;
    int32_t len = meta[META_OUT_LEN];
    if (len <= 0 || (uint32_t)len > ep->out_slot) continue;
    ep->siov[m].iov_base = ep->out + (size_t)i * ep->out_slot;
    ep->siov[m].iov_len = (size_t)len;
    memset(&ep->smsg[m].msg_hdr, 0, sizeof ep->smsg[m].msg_hdr);
    ep->smsg[m].msg_hdr.msg_name = &ep->addrs[i];
    ep->smsg[m].msg_hdr.msg_namelen = ep->rmsg[i].msg_hdr.msg_namelen;
    ep->smsg[m].msg_hdr.msg_iov = &ep->siov[m];
    ep->smsg[m].msg_hdr.msg_iovlen = 1;
    m++;
  }
  int k = 0;
  while (k < m) {
    int sent = sendmmsg(ep->fd, ep->smsg + k, (unsigned)(m - k), MSG_DONTWAIT);
    if (sent > 0) {
      k += sent;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    /* The datagram at k failed (full send buffer, unreachable peer...): report, skip it. */
    report_error(ep, sent < 0 ? errno : EIO, "sendmmsg");
    if (ep->closing) return;
    k++;
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  endpoint *ep = (endpoint *)handle;
  (void)events;
  if (ep->closing) return;
  if (status < 0) {
    report_error(ep, -status, "poll");
    return;
  }
  for (int round = 0; round < MAX_BATCHES_PER_WAKEUP && !ep->closing; round++) {
    for (int i = 0; i < ep->batch; i++) {
      ep->rmsg[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
      ep->rmsg[i].msg_hdr.msg_flags = 0;
      ep->rmsg[i].msg_len = 0;
    }
    int n = recvmmsg(ep->fd, ep->rmsg, (unsigned)ep->batch, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) report_error(ep, errno, "recvmmsg");
      return;
    }
    if (n == 0) return;
    for (int i = 0; i < n; i++) describe(ep, i);
    if (!call_js(ep, n)) return;
    send_answers(ep, n);
    if (n < ep->batch) return; /* the queue is empty: wait for the next wakeup */
  }
}

/* Free everything but the struct itself (the External's finalizer owns that). */
static void release(endpoint *ep) {
  napi_env env = ep->env;
  if (ep->fd >= 0) close(ep->fd);
  ep->fd = -1;
  if (ep->on_batch) napi_delete_reference(env, ep->on_batch);
  if (ep->on_error) napi_delete_reference(env, ep->on_error);
  if (ep->resource) napi_delete_reference(env, ep->resource);
  if (ep->self) napi_delete_reference(env, ep->self);
  ep->self = NULL;
  for (int i = 0; i < 3; i++)
    if (ep->keep[i]) napi_delete_reference(env, ep->keep[i]);
  if (ep->async_ctx) napi_async_destroy(env, ep->async_ctx);
  free(ep->rmsg);
  free(ep->riov);
  free(ep->addrs);
  free(ep->smsg);
  free(ep->siov);
  ep->rmsg = NULL;
  ep->riov = NULL;
  ep->addrs = NULL;
  ep->smsg = NULL;
  ep->siov = NULL;
  ep->on_batch = ep->on_error = ep->resource = NULL;
  ep->keep[0] = ep->keep[1] = ep->keep[2] = NULL;
  ep->async_ctx = NULL;
}

static void free_endpoint(endpoint *ep) {
  release(ep);
  free(ep);
}

static void on_closed(uv_handle_t *handle) {
  endpoint *ep = (endpoint *)handle;
  napi_env env = ep->env;
  napi_ref cb = ep->close_cb;
  napi_async_cleanup_hook_handle hook = ep->cleanup;
  ep->close_cb = NULL;
  if (cb != NULL) {
    napi_handle_scope scope;
    napi_value fn, recv, result;
    napi_open_handle_scope(env, &scope);
    napi_get_reference_value(env, cb, &fn);
    napi_get_reference_value(env, ep->resource, &recv);
    /* The socket is closed before the callback runs: its port is free again. */
    close(ep->fd);
    ep->fd = -1;
    napi_make_callback(env, ep->async_ctx, recv, fn, 0, NULL, &result);
    rethrow_pending(env);
    napi_close_handle_scope(env, scope);
    napi_delete_reference(env, cb);
  }
  ep->cleanup = NULL;
  release(ep);
  ep->closed = 1;
  if (hook != NULL) napi_remove_async_cleanup_hook(hook);
  if (ep->orphaned) free(ep);
}

/* Environment teardown (worker thread exit, process exit) with the endpoint still open. */
static void on_env_teardown(napi_async_cleanup_hook_handle hook, void *arg) {
  endpoint *ep = (endpoint *)arg;
  (void)hook;
  if (ep->closing) return; /* close() already under way: on_closed removes the hook */
  ep->closing = 1;
  uv_poll_stop(&ep->poll);
  uv_close((uv_handle_t *)&ep->poll, on_closed);
}

/*
 * The External was garbage-collected: only after close (it holds itself while open), or when
 * the environment is going away with the endpoint still open.
 */
static void on_collected(napi_env env, void *data, void *hint) {
  endpoint *ep = (endpoint *)data;
  (void)env;
  (void)hint;
  if (ep->closed) {
    free(ep);
    return;
  }
  ep->orphaned = 1;
  if (!ep->closing) {
    ep->closing = 1;
    uv_poll_stop(&ep->poll);
    uv_close((uv_handle_t *)&ep->poll, on_closed);
  }
}

static int get_buffer(napi_env env, napi_value v, void **data, size_t *len) {
  bool is_ab = false;
  napi_is_arraybuffer(env, v, &is_ab);
  if (!is_ab) return 0;
  return napi_get_arraybuffer_info(env, v, data, len) == napi_ok;
}

/*
 * open(host, port, v6, recvBufferBytes, batch, input, slot, meta, output, outSlot,
 *      onBatch, onError, flags) -> endpoint (an External). Throws errno-style errors.
 */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13], result;
  char host[INET6_ADDRSTRLEN + 1];
  size_t host_len = 0;
  int32_t port, v6, rcvbuf, batch, flags;
  uint32_t slot, out_slot;
  void *in = NULL, *meta = NULL, *out = NULL;
  size_t in_len = 0, meta_len = 0, out_len = 0;

  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 13) {
    napi_throw_type_error(env, "UDP_MMSG_ERR_ARGS", "open() takes 13 arguments");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len) != napi_ok ||
      napi_get_value_int32(env, argv[1], &port) != napi_ok ||
      napi_get_value_int32(env, argv[2], &v6) != napi_ok ||
      napi_get_value_int32(env, argv[3], &rcvbuf) != napi_ok ||
      napi_get_value_int32(env, argv[4], &batch) != napi_ok ||
      napi_get_value_uint32(env, argv[6], &slot) != napi_ok ||
      napi_get_value_uint32(env, argv[9], &out_slot) != napi_ok ||
      napi_get_value_int32(env, argv[12], &flags) != napi_ok ||
      !get_buffer(env, argv[5], &in, &in_len) || !get_buffer(env, argv[7], &meta, &meta_len) ||
      !get_buffer(env, argv[8], &out, &out_len)) {
    napi_throw_type_error(env, "UDP_MMSG_ERR_ARGS", "open(): bad argument types");
    return NULL;
  }
  if (batch < 1 || batch > MAX_BATCH || port < 0 || port > 65535 || slot < 512 ||
      out_slot < 512 || in_len < (size_t)batch * slot ||
      meta_len < (size_t)batch * META_INTS * sizeof(int32_t) ||
      out_len < (size_t)batch * out_slot) {
    napi_throw_range_error(env, "UDP_MMSG_ERR_ARGS", "open(): buffers too small for the batch");
    return NULL;
  }

  union {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } sa;
  socklen_t salen;
  memset(&sa, 0, sizeof sa);
  if (v6) {
    sa.v6.sin6_family = AF_INET6;
    sa.v6.sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &sa.v6.sin6_addr) != 1) return throw_errno(env, EINVAL, "inet_pton");
    salen = sizeof sa.v6;
  } else {
    sa.v4.sin_family = AF_INET;
    sa.v4.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.v4.sin_addr) != 1) return throw_errno(env, EINVAL, "inet_pton");
    salen = sizeof sa.v4;
  }

  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  int zero = 0, one = 1;
  /* As node:dgram: '::' is dual-stack; no SO_REUSEADDR, so a taken port is EADDRINUSE. */
  if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if ((flags & OPEN_REUSEPORT) && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "setsockopt");
  }
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd, (struct sockaddr *)&sa, salen) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "bind");
  }

  endpoint *ep = calloc(1, sizeof *ep);
  if (ep == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "calloc");
  }
  ep->env = env;
  ep->fd = fd;
  ep->batch = batch;
  ep->in = in;
  ep->slot = slot;
  ep->meta = meta;
  ep->out = out;
  ep->out_slot = out_slot;
  ep->rmsg = calloc((size_t)batch, sizeof *ep->rmsg);
  ep->riov = calloc((size_t)batch, sizeof *ep->riov);
  ep->addrs = calloc((size_t)batch, sizeof *ep->addrs);
  ep->smsg = calloc((size_t)batch, sizeof *ep->smsg);
  ep->siov = calloc((size_t)batch, sizeof *ep->siov);
  if (!ep->rmsg || !ep->riov || !ep->addrs || !ep->smsg || !ep->siov) {
    free_endpoint(ep);
    return throw_errno(env, ENOMEM, "calloc");
  }
  for (int i = 0; i < batch; i++) {
    ep->riov[i].iov_base = ep->in + (size_t)i * slot;
    ep->riov[i].iov_len = slot;
    ep->rmsg[i].msg_hdr.msg_name = &ep->addrs[i];
    ep->rmsg[i].msg_hdr.msg_iov = &ep->riov[i];
    ep->rmsg[i].msg_hdr.msg_iovlen = 1;
  }

  napi_value resource, name;
  if (napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "UDP_MMSG", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, resource, name, &ep->async_ctx) != napi_ok ||
      napi_create_reference(env, resource, 1, &ep->resource) != napi_ok ||
      napi_create_reference(env, argv[10], 1, &ep->on_batch) != napi_ok ||
      napi_create_reference(env, argv[11], 1, &ep->on_error) != napi_ok ||
      napi_create_reference(env, argv[5], 1, &ep->keep[0]) != napi_ok ||
      napi_create_reference(env, argv[7], 1, &ep->keep[1]) != napi_ok ||
      napi_create_reference(env, argv[8], 1, &ep->keep[2]) != napi_ok) {
    free_endpoint(ep);
    napi_throw_error(env, "UDP_MMSG_ERR_NAPI", "open(): Node-API setup failed");
    return NULL;
  }

  struct uv_loop_s *loop;
  int r;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    free_endpoint(ep);
    napi_throw_error(env, "UDP_MMSG_ERR_NAPI", "open(): no event loop");
    return NULL;
  }
  if ((r = uv_poll_init(loop, &ep->poll, fd)) != 0) {
    free_endpoint(ep);
    return throw_errno(env, -r, "uv_poll_init");
  }
  if ((r = uv_poll_start(&ep->poll, UV_READABLE, on_readable)) != 0) {
    ep->closing = 1;
    ep->orphaned = 1;
    uv_close((uv_handle_t *)&ep->poll, on_closed);
    return throw_errno(env, -r, "uv_poll_start");
  }
  napi_add_async_cleanup_hook(env, on_env_teardown, ep, &ep->cleanup);
  CHECK(napi_create_external(env, ep, on_collected, NULL, &result));
  CHECK(napi_create_reference(env, result, 1, &ep->self));
  return result;
}

static endpoint *get_endpoint(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, "UDP_MMSG_ERR_ARGS", "not an endpoint");
    return NULL;
  }
  return (endpoint *)p;
}

/* port(endpoint) -> the bound port. */
static napi_value js_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  endpoint *ep = get_endpoint(env, argv[0]);
  if (ep == NULL) return NULL;
  if (ep->closing || ep->fd < 0) return throw_errno(env, EBADF, "getsockname");
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(ep->fd, (struct sockaddr *)&ss, &len) < 0) return throw_errno(env, errno, "getsockname");
  int port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                      : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  CHECK(napi_create_int32(env, port, &result));
  return result;
}

/* close(endpoint, callback): stop reading, close the socket, then call back. Idempotent. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  endpoint *ep = get_endpoint(env, argv[0]);
  if (ep == NULL) return NULL;
  if (ep->closing) return NULL;
  ep->closing = 1;
  if (argc > 1) CHECK(napi_create_reference(env, argv[1], 1, &ep->close_cb));
  uv_poll_stop(&ep->poll);
  uv_close((uv_handle_t *)&ep->poll, on_closed);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"port", NULL, js_port, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value v;
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_create_int32(env, META_INTS, &v);
  napi_set_named_property(env, exports, "META_INTS", v);
  napi_create_int32(env, MAX_BATCH, &v);
  napi_set_named_property(env, exports, "MAX_BATCH", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
