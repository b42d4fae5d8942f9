/**
 * The cache-friendly GET encoding of signaling-v1 §9, read by the broker and written by clients: a POST
 * request carried in a GET's path, its answer in a 200 body, for CDNs and caches that carry no POST body.
 * Web-standard only.
 *
 *   GET /v1/get/<route>/<nonce>/<payload>
 *     <route>          the POST route it stands for, after /v1/: client/offer, volunteer/poll, volunteer/answer
 *     <nonce>          8 to 64 of [A-Za-z0-9_-], fresh per request, ignored: no cache answers it twice
 *     <payload>        the POST body, base64url without padding
 *
 *   200 {"v":1,"status":S,"retryAfterMs":N?,"body":"<base64url of the POST answer's body>"}
 */
import { fromBase64url, toBase64url } from './base64url.js';
import { SignalingError } from './errors.js';
import { randomId } from './fields.js';

/** Every GET-encoded request's path starts so. */
export const GET_PREFIX = '/v1/get/';

/** The POST routes (paths under the broker's base) that have a GET form, signaling-v1 §9. */
export const GET_ROUTES = ['v1/client/offer', 'v1/volunteer/poll', 'v1/volunteer/answer'] as const;
export type GetRoute = (typeof GET_ROUTES)[number];

const NONCE_RE = /^[A-Za-z0-9_-]{8,64}$/;

export function isGetRoute(path: string): path is GetRoute {
  return (GET_ROUTES as readonly string[]).includes(path);
}

/** The request target (path relative to the broker's base, no leading `/`) for `route` with `body`. */
export function encodeGetTarget(route: GetRoute, body: Uint8Array, nonce = randomId()): string {
  return `${GET_PREFIX.slice(1)}${route.slice('v1/'.length)}/${nonce}/${toBase64url(body)}`;
}

/**
 * The broker's reading of a GET-encoded request target (`req.url`, path and query): the POST route and
 * body it stands for. Throws the §9 errors: 414 `too-long`, 404 `not-found`, 400 `bad-request`, 413
 * `too-large`.
 */
export function decodeGetTarget(
  target: string,
  limits: { maxGetTargetBytes: number; maxBodyBytes: number },
): { route: GetRoute; body: Uint8Array } {
  if (target.length > limits.maxGetTargetBytes) {
    throw new SignalingError('too-long', `request target over ${limits.maxGetTargetBytes} bytes`);
  }
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const parts = path.slice(GET_PREFIX.length).split('/');
  if (!path.startsWith(GET_PREFIX) || parts.length < 3) {
    throw new SignalingError('not-found', 'a GET-encoded request is /v1/get/<route>/<nonce>/<payload>');
  }
  // The last two segments are the nonce and the payload; the route before them may have any depth.
  const payload = parts.pop()!;
  const nonce = parts.pop()!;
  const route = `v1/${parts.join('/')}`;
  if (!isGetRoute(route)) throw new SignalingError('not-found', `no GET form of /${route}`);
  if (!NONCE_RE.test(nonce))
    throw new SignalingError('bad-request', 'nonce must be 8 to 64 of [A-Za-z0-9_-]');
  // 4 characters carry 3 bytes: a payload this long cannot fit, whatever it holds.
  if (Math.floor((payload.length * 3) / 4) > limits.maxBodyBytes) {
    throw new SignalingError('too-large', `body over ${limits.maxBodyBytes} bytes`);
  }
  const body = fromBase64url(payload);
  if (body === undefined) throw new SignalingError('bad-request', 'payload is not base64url without padding');
  return { route, body };
}

/** What the POST route answered: its status, its body's bytes, its retry hint. */
export interface GetEnvelope {
  status: number;
  body: Uint8Array;
  retryAfterMs?: number;
}

export function encodeGetEnvelope(answer: GetEnvelope): object {
  return {
    v: 1,
    status: answer.status,
    ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
    body: toBase64url(answer.body),
  };
}

/** The client's strict reading of a §9 answer body (parsed JSON); throws a plain Error saying what is wrong. */
export function decodeGetEnvelope(value: unknown): GetEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('not a JSON object');
  const f = value as Record<string, unknown>;
  if (f.v !== 1) throw new Error('"v" must be 1');
  const { status, retryAfterMs, body } = f;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new Error('"status" must be an HTTP status');
  }
  const bytes = typeof body === 'string' ? fromBase64url(body) : undefined;
  if (bytes === undefined) throw new Error('"body" must be base64url');
  const envelope: GetEnvelope = { status, body: bytes };
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    envelope.retryAfterMs = retryAfterMs;
  }
  return envelope;
}
