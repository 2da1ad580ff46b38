import { request } from 'node:http';
import { parseOptions } from '@anycast-origin/options';
import {
  InvalidOptionError,
  MetadataError,
  MetadataRequestError,
  MetadataTimeoutError,
  MetadataUnauthorizedError,
} from './errors.js';
import { DEFAULT_IMDS_ENDPOINT, IMDS_OPTIONS } from './options.js';
import type { ImdsClientOptions } from './options.js';

/** Metadata values are short; a bigger body is garbage (bytes). */
const MAX_BODY_BYTES = 64 * 1024;

export { DEFAULT_IMDS_ENDPOINT } from './options.js';

interface Reply { status: number; body: string }

class AttemptTimeout extends Error {}

/**
 * A minimal IMDSv2 client: PUT /latest/api/token with a TTL, then GETs with the token.
 * Never falls back to IMDSv1. Each exchange has a timeout and one retry; a GET answered 401
 * (token expired or revoked) fetches a new token once.
 */
export class ImdsClient {
  readonly endpoint: URL;
  readonly timeoutMs: number;
  readonly tokenTtlSeconds: number;
  /** The session token, shared by concurrent GETs (one PUT for many fields). */
  #token: Promise<string> | undefined;

  constructor(options: ImdsClientOptions = {}) {
    const o = parseOptions(IMDS_OPTIONS, options, (option, message) => new InvalidOptionError(`imds.${option}`, message));
    const env = o.env ?? process.env;
    if (o.endpoint !== undefined) this.endpoint = new URL(o.endpoint);
    else {
      // The AWS SDKs' variable, checked with the option's own words.
      const fromEnv = env.AWS_EC2_METADATA_SERVICE_ENDPOINT || DEFAULT_IMDS_ENDPOINT;
      const label = 'AWS_EC2_METADATA_SERVICE_ENDPOINT';
      const e = parseOptions(IMDS_OPTIONS, { endpoint: fromEnv }, (_option, message) => new InvalidOptionError(label, message));
      this.endpoint = new URL(e.endpoint as string);
    }
    this.timeoutMs = o.timeoutMs;
    this.tokenTtlSeconds = o.tokenTtlSeconds;
  }

  /** GET /latest/meta-data/<path>. Resolves undefined on 404 (an absent optional field). */
  async get(path: string): Promise<string | undefined> {
    const full = `/latest/meta-data/${path}`;
    const first = this.#sessionToken(full);
    let reply = await this.#getWith(full, await first);
    if (reply.status === 401) {
      // The token expired or was revoked: one new token (shared by concurrent GETs), one retry.
      reply = await this.#getWith(full, await this.#sessionToken(full, first));
      if (reply.status === 401) throw new MetadataUnauthorizedError(full, 401);
    }
    if (reply.status === 404) return undefined;
    if (reply.status !== 200) throw new MetadataRequestError(full, reply.status, `unexpected HTTP ${reply.status}`);
    return reply.body;
  }

  #getWith(full: string, token: string): Promise<Reply> {
    return this.#withRetry(full, () => this.#exchange('GET', full, { 'x-aws-ec2-metadata-token': token }));
  }

  /**
   * The session token, fetched once and shared. `stale`: the token a GET was refused with;
   * if it is still the current one, fetch a new one. A failed fetch is forgotten.
   */
  #sessionToken(forPath: string, stale?: Promise<string>): Promise<string> {
    if (this.#token === undefined || this.#token === stale) {
      const p = this.#fetchToken(forPath);
      this.#token = p;
      p.catch(() => {
        if (this.#token === p) this.#token = undefined;
      });
    }
    return this.#token;
  }

  async #fetchToken(forPath: string): Promise<string> {
    const path = '/latest/api/token';
    const reply = await this.#withRetry(path, () =>
      this.#exchange('PUT', path, { 'x-aws-ec2-metadata-token-ttl-seconds': String(this.tokenTtlSeconds) }),
    );
    if (reply.status === 401 || reply.status === 403) throw new MetadataUnauthorizedError(path, reply.status);
    if (reply.status !== 200) throw new MetadataRequestError(path, reply.status, `token request answered HTTP ${reply.status} (while reading ${forPath})`);
    const token = reply.body.trim();
    if (token.length === 0 || token.length > 512 || !/^[\x21-\x7e]+$/.test(token)) {
      throw new MetadataRequestError(path, 200, 'token request answered with an empty or malformed token');
    }
    return token;
  }

  /** One retry on timeouts, connection errors and 5xx; 4xx is an answer, not a failure. */
  async #withRetry(path: string, fn: () => Promise<Reply>): Promise<Reply> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const reply = await fn();
        if (reply.status >= 500 && attempt === 0) {
          lastError = new MetadataRequestError(path, reply.status, `HTTP ${reply.status}`);
          continue;
        }
        return reply;
      } catch (err) {
        lastError = err;
      }
    }
    if (lastError instanceof MetadataError) throw lastError;
    if (lastError instanceof AttemptTimeout) throw new MetadataTimeoutError(path, this.timeoutMs, { cause: lastError });
    const detail = lastError instanceof Error ? lastError.message : String(lastError);
    throw new MetadataRequestError(path, undefined, `cannot reach ${this.endpoint.origin}: ${detail}`, { cause: lastError });
  }

  #exchange(method: 'GET' | 'PUT', path: string, headers: Record<string, string>): Promise<Reply> {
    const base = this.endpoint.pathname.replace(/\/$/, '');
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      const req = request(
        {
          method,
          host: this.endpoint.hostname.replace(/^\[|\]$/g, ''),
          port: this.endpoint.port || 80,
          path: base + path,
          headers,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', () => {});
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new AttemptTimeout(`no complete answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      req.on('error', (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
  }
}
