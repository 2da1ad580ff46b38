/**
 * The API's HTTP front: AWS JSON 1.1 as Global Accelerator speaks it (`POST /`,
 * `X-Amz-Target: GlobalAccelerator_V20180706.<Operation>`, JSON bodies with PascalCase
 * members; errors as `{"__type": ..., "Message": ...}` plus the `x-amzn-errortype` header, so
 * both the JS SDK and botocore parse them). Requests are not authenticated: any credentials
 * do. Besides the API: `GET /metrics` (Prometheus text) and `GET /_emulator/state` (the state
 * snapshot as JSON). node:http is enough: this is not a hot path.
 */
import { randomUUID } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../errors.js';
import { MODEL } from './model.js';

/** diagnostics_channel of every API call: `{ operation, statusCode, error, durationMs }`. */
export const API_CHANNEL = 'anycast-origin:ga-emulator:api';
const apiChannel = channel(API_CHANNEL);

/** Largest request body accepted, bytes (AWS's requests here are a few KiB). */
export const MAX_BODY_BYTES = 1024 * 1024;
const TARGET_PREFIX = `${MODEL.metadata.targetPrefix}.`;

export interface ApiBackend {
  /** Run an operation (may be async for injected latency); throws ApiError. */
  call(operation: string, input: unknown): Promise<unknown>;
  metrics(): string;
  state(): unknown;
  /** Count one API answer for /metrics. */
  count(operation: string, outcome: string): void;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, requestId: string, err: ApiError): void {
  const body = JSON.stringify({ __type: err.awsName, Message: err.message, message: err.message });
  send(res, err.statusCode, body, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': err.awsName });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError('SerializationException', `Request body larger than ${MAX_BODY_BYTES} bytes`, 413));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(backend: ApiBackend, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/metrics') {
    send(res, 200, backend.metrics(), { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    return;
  }
  if (req.method === 'GET' && path === '/_emulator/state') {
    send(res, 200, `${JSON.stringify(backend.state(), null, 2)}\n`, { 'Content-Type': 'application/json' });
    return;
  }
  if (req.method !== 'POST' || path !== '/') {
    req.resume();
    send(res, 404, JSON.stringify({ __type: 'UnknownOperationException', Message: `No route for ${req.method} ${path}` }), {
      'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': 'UnknownOperationException', 'x-amzn-RequestId': requestId,
    });
    return;
  }
  const started = performance.now();
  const target = req.headers['x-amz-target'];
  let operation = '';
  try {
    const raw = await readBody(req);
    if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) throw new ApiError('UnknownOperationException', `Missing or unknown X-Amz-Target ${String(target)}`);
    operation = target.slice(TARGET_PREFIX.length);
    let input: unknown = {};
    if (raw.length > 0) {
      try {
        input = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ApiError('SerializationException', 'The request body is not valid JSON');
      }
    }
    const out = await backend.call(operation, input);
    send(res, 200, JSON.stringify(out ?? {}), { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId });
    backend.count(operation, 'ok');
    if (apiChannel.hasSubscribers) apiChannel.publish({ operation, statusCode: 200, error: undefined, durationMs: performance.now() - started });
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError('InternalServiceErrorException', `Internal error: ${(e as Error)?.message ?? String(e)}`, 500);
    if (!res.headersSent && !res.destroyed) sendError(res, requestId, err);
    backend.count(operation || 'unknown', err.awsName);
    if (apiChannel.hasSubscribers) apiChannel.publish({ operation, statusCode: err.statusCode, error: err, durationMs: performance.now() - started });
  }
}

/** Create the API's HTTP server (not listening yet). */
export function createApiServer(backend: ApiBackend): Server {
  const server = createServer({ keepAliveTimeout: 5000, requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    void handle(backend, req, res);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

/** Injected latency, then the error if any: the part of a call shared by HTTP and emulator.call(). */
export async function applyFault(fault: { latencyMs: number; error: ApiError | undefined }): Promise<void> {
  if (fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault.error) throw fault.error;
}
