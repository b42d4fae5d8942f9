/**
 * HTTP client for the broker (docs/spec/signaling-v1.md), used by clients and volunteers alike. Only
 * web-standard APIs (fetch, AbortController, TextDecoder): it runs unchanged in browsers and Node.
 */
import { BROKER_CLIENT_DEFAULTS, type BrokerClientLimits, withDefaults } from '../shared/limits.js';
import { SignalingError } from './errors.js';
import type { NatClass } from './fields.js';
import {
  type DeliveredOffer,
  decodeErrorBody,
  decodeInfoResponse,
  decodeOfferResponse,
  decodeOkResponse,
  decodePollResponse,
  encodeAnswerRequest,
  encodeOfferRequest,
  encodePollRequest,
  type OfferAnswer,
  type PollResponse,
} from './messages.js';

export { SignalingError } from './errors.js';
export type { NatClass } from './fields.js';

export interface BrokerClientOptions extends Partial<BrokerClientLimits> {
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof fetch;
}

export class BrokerClient {
  readonly #base: URL;
  readonly #fetch: typeof fetch;
  readonly #limits: BrokerClientLimits;

  constructor(baseUrl: string, options: BrokerClientOptions = {}) {
    const base = new URL(baseUrl);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.#base = base;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#limits = withDefaults<BrokerClientLimits>(BROKER_CLIENT_DEFAULTS, options);
  }

  /** signaling-v1 §3. */
  async info(signal?: AbortSignal): Promise<{ egress: string[] }> {
    return this.#call('GET', 'v1/info', undefined, signal, decodeInfoResponse);
  }

  /**
   * signaling-v1 §4: long-polls for an offer; `offer: null` means poll again after `retryAfterMs`. Present the
   * answer's `ticket` on the next poll (none on the first): it is this volunteer's identity.
   */
  async poll(
    req: { ticket?: string; nat: NatClass; egress: string[]; pairing?: string },
    signal?: AbortSignal,
  ): Promise<{ ticket: string; offer: DeliveredOffer | null; retryAfterMs: number; paired?: true }> {
    const body = encodePollRequest(req);
    const res: PollResponse = await this.#call('POST', 'v1/volunteer/poll', body, signal, decodePollResponse);
    return { ...res, retryAfterMs: this.#clampRetry(res.retryAfterMs) };
  }

  /** signaling-v1 §5. */
  async answer(offerId: string, sdp: string, signal?: AbortSignal): Promise<void> {
    await this.#call(
      'POST',
      'v1/volunteer/answer',
      encodeAnswerRequest({ offerId, sdp }),
      signal,
      decodeOkResponse,
    );
  }

  /**
   * signaling-v1 §6: sends a complete offer, resolves with the matched volunteer's answer. With `pairing`
   * (signaling-v1 §8) only a volunteer paired with that tag is matched.
   */
  async offer(
    req: { nat: NatClass; sdp: string; egress?: string; exclude?: string[]; pairing?: string },
    signal?: AbortSignal,
  ): Promise<{ sdp: string; volunteer: string; paired?: true }> {
    const body = encodeOfferRequest({ ...req, exclude: req.exclude ?? [] });
    const res: OfferAnswer = await this.#call('POST', 'v1/client/offer', body, signal, decodeOfferResponse);
    return res;
  }

  /**
   * One request. Non-2xx answers throw the broker's SignalingError; a failed fetch or the client's own
   * timeout throws `unreachable`; an unreadable answer throws `bad-response`. If `signal` aborts, its
   * reason is thrown unchanged.
   */
  async #call<T>(
    method: 'GET' | 'POST',
    path: string,
    body: object | undefined,
    signal: AbortSignal | undefined,
    decode: (body: unknown) => T,
  ): Promise<T> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timeoutMs = this.#limits.requestTimeoutMs;
    const timer = setTimeout(
      () => controller.abort(new SignalingError('unreachable', `no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const init: RequestInit = { method, signal: controller.signal, credentials: 'omit' };
      if (body !== undefined) {
        init.headers = { 'content-type': 'application/json' };
        init.body = JSON.stringify(body);
      }
      let res: Response;
      try {
        res = await this.#fetch(new URL(path, this.#base), init);
      } catch (err) {
        throw this.#failure(err, signal, controller.signal);
      }
      let text: string;
      try {
        text = await readCapped(res, this.#limits.maxResponseBytes);
      } catch (err) {
        throw this.#failure(err, signal, controller.signal);
      }
      return this.#decode(res, text, decode);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #failure(err: unknown, signal: AbortSignal | undefined, own: AbortSignal): unknown {
    if (signal?.aborted === true) return signal.reason;
    if (err instanceof SignalingError) return err;
    if (own.aborted && own.reason instanceof SignalingError) return own.reason;
    return new SignalingError('unreachable', 'broker unreachable', { cause: err });
  }

  #decode<T>(res: Response, text: string, decode: (body: unknown) => T): T {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const err = decodeErrorBody(parsed, res.status);
      const hint = err?.retryAfterMs ?? retryAfterHeaderMs(res.headers.get('retry-after'));
      const retryAfterMs = hint === undefined ? undefined : this.#clampRetry(hint);
      if (err === undefined) {
        throw new SignalingError('bad-response', `broker answered HTTP ${res.status}`, {
          status: res.status,
          retryAfterMs,
        });
      }
      throw new SignalingError(err.code, err.message, { status: res.status, retryAfterMs });
    }
    try {
      return decode(parsed);
    } catch (err) {
      const message = err instanceof Error ? err.message : 'unreadable answer';
      throw new SignalingError('bad-response', `broker answer: ${message}`, {
        status: res.status,
        cause: err,
      });
    }
  }

  /** The one clamp for every retry hint the broker gives (body or header): at most maxRetryAfterMs. */
  #clampRetry(ms: number): number {
    return Math.min(ms, this.#limits.maxRetryAfterMs);
  }
}

/** `Retry-After` in seconds (signaling-v1 §1); an HTTP-date or junk is ignored. */
function retryAfterHeaderMs(value: string | null): number | undefined {
  if (value === null || !/^\d{1,7}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/** Reads a response body as UTF-8, failing with `bad-response` once it passes `maxBytes`. */
async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  const tooLarge = (): SignalingError =>
    new SignalingError('bad-response', `broker answer over ${maxBytes} bytes`, { status: res.status });
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
