/**
 * The rendezvous methods that speak HTTP through a `fetch` (src/signaling/rendezvous.ts): the broker's own
 * POST routes (signaling-v1 §3 to §6), which are `direct` over the ordinary fetch and `front` over one that
 * goes through a front (src/shared/front-fetch.ts), and the GET encoding of signaling-v1 §9 over either.
 * Web-standard only.
 */
import { SignalingError } from './errors.js';
import { decodeGetEnvelope, encodeGetTarget, isGetRoute } from './get-encoding.js';
import {
  Rendezvous,
  type RendezvousAnswer,
  type RendezvousMethod,
  type RendezvousOptions,
  type RendezvousRequest,
} from './rendezvous.js';

export interface HttpMethodOptions {
  /** The method's name (`direct`, `front`, `get`). */
  name: string;
  /** The broker's base URL; routes are resolved under it. */
  base: URL;
  /** How requests travel. */
  fetch: typeof fetch;
  /** Largest answer body read, bytes. */
  maxResponseBytes: number;
}

/** signaling-v1 §3 to §6 as they are: a POST of the body (JSON), or a GET when there is none. */
export function postMethod(options: HttpMethodOptions): RendezvousMethod {
  return {
    name: options.name,
    exchange: async (request, signal) => {
      const init: RequestInit = { method: 'GET', signal, credentials: 'omit' };
      if (request.body !== null) {
        init.method = 'POST';
        // signaling-v1 §1: text/plain is CORS-safelisted, so a browser sends no preflight (an OPTIONS round
        // trip per route) before the request.
        init.headers = { 'content-type': 'text/plain' };
        init.body = request.body;
      }
      return send(options, new URL(request.path, options.base), init, signal);
    },
  };
}

/**
 * signaling-v1 §9: a body goes base64url in a GET's path, the answer comes in a 200 envelope. A request
 * whose target would pass `maxGetTargetBytes` cannot go this way: `unreachable`, so the next method is tried.
 */
export function getMethod(options: HttpMethodOptions & { maxGetTargetBytes: number }): RendezvousMethod {
  return {
    name: options.name,
    exchange: async (request: RendezvousRequest, signal: AbortSignal): Promise<RendezvousAnswer> => {
      const init: RequestInit = { method: 'GET', signal, credentials: 'omit' };
      if (request.body === null) return send(options, new URL(request.path, options.base), init, signal);
      // signaling-v1 §10: sealed bodies have no GET form yet; like a target too long, the next method goes.
      if (!isGetRoute(request.path))
        throw new SignalingError('unreachable', `no GET form of ${request.path}`);
      const url = new URL(encodeGetTarget(request.path, request.body), options.base);
      const length = url.pathname.length + url.search.length;
      if (length > options.maxGetTargetBytes) {
        throw new SignalingError(
          'unreachable',
          `request too long for the GET encoding (${length} > ${options.maxGetTargetBytes} bytes)`,
        );
      }
      const answer = await send(options, url, init, signal);
      // Not 200: the broker refused the encoding itself (§9; or it is from before §9 and knows no such
      // path), or this is not the broker at all. Either way this method cannot carry the request.
      if (answer.status !== 200) {
        const said = new TextDecoder().decode(answer.body.subarray(0, 200)).replace(/[^\x20-\x7e]+/g, ' ');
        throw new SignalingError('bad-response', `GET encoding refused: HTTP ${answer.status} ${said}`, {
          status: answer.status,
        });
      }
      let envelope: ReturnType<typeof decodeGetEnvelope>;
      try {
        envelope = decodeGetEnvelope(JSON.parse(new TextDecoder().decode(answer.body)) as unknown);
      } catch (err) {
        const message = err instanceof Error ? err.message : 'unreadable';
        throw new SignalingError('bad-response', `GET-encoded answer: ${message}`, {
          status: 200,
          cause: err,
        });
      }
      return envelope;
    },
  };
}

async function send(
  options: HttpMethodOptions,
  url: URL,
  init: RequestInit,
  signal: AbortSignal,
): Promise<RendezvousAnswer> {
  try {
    const res = await options.fetch(url, init);
    const body = await readCapped(res, options.maxResponseBytes);
    const retryAfterMs = retryAfterHeaderMs(res.headers.get('retry-after'));
    return retryAfterMs === undefined
      ? { status: res.status, body }
      : { status: res.status, body, retryAfterMs };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof SignalingError) throw err;
    // The direct way is what a user with no front has: it needs no name ("broker unreachable: ..."); the
    // others say which way failed.
    const by = options.name === 'direct' ? '' : ` by ${options.name}`;
    throw new SignalingError('unreachable', `broker unreachable${by}`, { cause: err });
  }
}

/** `Retry-After` in seconds (signaling-v1 §1); an HTTP-date or junk is ignored. */
function retryAfterHeaderMs(value: string | null): number | undefined {
  if (value === null || !/^\d{1,7}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/** Reads a response body, failing with `bad-response` once it passes `maxBytes`. */
async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const body = await readAtMost(res, maxBytes);
  if (body === undefined)
    throw new SignalingError('bad-response', `broker answer over ${maxBytes} bytes`, { status: res.status });
  return body;
}

/**
 * Reads at most `maxBytes` of `res`'s body, never buffering more (a declared larger length is not read at
 * all); undefined, the body cancelled, when it has more.
 */
export async function readAtMost(res: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (Number(res.headers.get('content-length') ?? '0') > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The methods `--rendezvous` names (issue 12, item 1). */
export const RENDEZVOUS_METHODS = ['direct', 'front', 'get'] as const;
export type RendezvousMethodName = (typeof RENDEZVOUS_METHODS)[number];

export function isRendezvousMethodName(value: string): value is RendezvousMethodName {
  return (RENDEZVOUS_METHODS as readonly string[]).includes(value);
}

export interface HttpRendezvousOptions extends RendezvousOptions {
  base: URL;
  /** The ordinary fetch: `direct`, and `get` when there is no front. */
  fetch: typeof fetch;
  /** A fetch through the front (src/shared/ca-fetch.ts): `front`, and `get` through it. */
  frontFetch?: typeof fetch;
  maxResponseBytes: number;
  maxGetTargetBytes: number;
}

/**
 * The methods named in `order`, in that order: `direct` (the broker's routes, straight), `front` (the same
 * through the front), `get` (signaling-v1 §9, through the front when there is one, else straight).
 */
export function httpRendezvous(
  order: readonly RendezvousMethodName[],
  options: HttpRendezvousOptions,
): Rendezvous {
  const { base, fetch, frontFetch, maxResponseBytes, maxGetTargetBytes } = options;
  const methods = order.map((name): RendezvousMethod => {
    if (name === 'direct') return postMethod({ name, base, fetch, maxResponseBytes });
    if (name === 'get') {
      return getMethod({ name, base, fetch: frontFetch ?? fetch, maxResponseBytes, maxGetTargetBytes });
    }
    if (frontFetch === undefined) throw new TypeError('the rendezvous method front needs a front');
    return postMethod({ name, base, fetch: frontFetch, maxResponseBytes });
  });
  return new Rendezvous(methods, options);
}
