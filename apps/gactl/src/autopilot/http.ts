/**
 * One GET with a deadline, for the load sources: an origin's /metrics page or a Prometheus
 * query. undici (as apps/probe uses) with an Agent of the source's own, so close() releases
 * its kept-alive connections and a page larger than any origin renders is cut off. Every
 * failure comes back as an Error whose message is a short reason for a `why`
 * ("connect ECONNREFUSED 127.0.0.2:8080", "timed out after 2000 ms", "HTTP 500").
 */
import { Agent, request } from 'undici';

/** An origin's page is a few KiB; a Prometheus answer for a fleet a few hundred. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export function createAgent(timeoutMs: number): Agent {
  return new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, maxResponseSize: MAX_BODY_BYTES });
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** GET `url`; the whole exchange (connect, headers, body) within timeoutMs. Rejects with a one-line reason. */
export async function get(agent: Agent, url: string, timeoutMs: number, accept: string): Promise<Answer> {
  try {
    const res = await request(url, { method: 'GET', dispatcher: agent, headers: { accept }, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.body.text();
    const type = res.headers['content-type'];
    return { status: res.statusCode, contentType: (Array.isArray(type) ? type[0] : type) ?? '', body };
  } catch (e) {
    const err = e as { code?: string; name?: string; message?: string };
    if (err.name === 'TimeoutError' || (err.code !== undefined && TIMEOUT_CODES.has(err.code))) throw new Error(`timed out after ${timeoutMs} ms`, { cause: e });
    if (err.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') throw new Error(`answer larger than ${MAX_BODY_BYTES} bytes`, { cause: e });
    throw new Error(err.message ?? String(e), { cause: e });
  }
}
