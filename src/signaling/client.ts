/**
 * HTTP client for the broker (docs/spec/signaling-v1.md), used by clients and volunteers alike: encodes and
 * decodes the messages, and sends them by its rendezvous methods (src/signaling/rendezvous.ts). Only
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
import { Rendezvous, type RendezvousAnswer } from './rendezvous.js';
import { postMethod } from './rendezvous-http.js';

export { SignalingError } from './errors.js';
export type { NatClass } from './fields.js';

export interface BrokerClientOptions extends Partial<BrokerClientLimits> {
  /** The fetch to use; defaults to the global one. */
  fetch?: typeof fetch;
  /**
   * The ways to the broker, tried in turn from the one that last worked (src/signaling/rendezvous.ts).
   * @default one method, `direct`: the broker's routes over `fetch`
   */
  rendezvous?: Rendezvous;
}

export class BrokerClient {
  readonly #limits: BrokerClientLimits;
  readonly #rendezvous: Rendezvous;

  constructor(baseUrl: string, options: BrokerClientOptions = {}) {
    const base = new URL(baseUrl);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#limits = withDefaults<BrokerClientLimits>(BROKER_CLIENT_DEFAULTS, options);
    this.#rendezvous =
      options.rendezvous ??
      new Rendezvous([
        postMethod({
          name: 'direct',
          base,
          fetch: fetchFn,
          maxResponseBytes: this.#limits.maxResponseBytes,
        }),
      ]);
  }

  /** signaling-v1 §3. */
  async info(signal?: AbortSignal): Promise<{ egress: string[] }> {
    return this.#call('v1/info', undefined, signal, decodeInfoResponse);
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
    const res: PollResponse = await this.#call('v1/volunteer/poll', body, signal, decodePollResponse);
    return { ...res, retryAfterMs: this.#clampRetry(res.retryAfterMs) };
  }

  /** signaling-v1 §5. */
  async answer(offerId: string, sdp: string, signal?: AbortSignal): Promise<void> {
    await this.#call('v1/volunteer/answer', encodeAnswerRequest({ offerId, sdp }), signal, decodeOkResponse);
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
    const res: OfferAnswer = await this.#call('v1/client/offer', body, signal, decodeOfferResponse);
    return res;
  }

  /**
   * One request, by the rendezvous methods in turn (src/signaling/rendezvous.ts), each try with its own
   * `requestTimeoutMs`. Non-2xx answers throw the broker's SignalingError; when no method got an answer, the
   * last one's `unreachable` (a failed request or the client's own timeout) or `bad-response` (an answer
   * it cannot read) is thrown. If `signal` aborts, its reason is thrown unchanged.
   */
  async #call<T>(
    path: string,
    body: object | undefined,
    signal: AbortSignal | undefined,
    decode: (body: unknown) => T,
  ): Promise<T> {
    signal?.throwIfAborted();
    const bytes = body === undefined ? null : new TextEncoder().encode(JSON.stringify(body));
    return this.#rendezvous.exchange(
      { path, body: bytes },
      (run) => this.#attempt(run, signal),
      (answer) => this.#decode(answer, decode),
    );
  }

  /** One try of one method, under the caller's signal and the client's own timeout. */
  async #attempt<R>(run: (signal: AbortSignal) => Promise<R>, signal: AbortSignal | undefined): Promise<R> {
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
      return await run(controller.signal);
    } catch (err) {
      throw this.#failure(err, signal, controller.signal);
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

  #decode<T>(answer: RendezvousAnswer, decode: (body: unknown) => T): T {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(answer.body)) as unknown;
    } catch {
      parsed = undefined;
    }
    const { status } = answer;
    if (status < 200 || status > 299) {
      const err = decodeErrorBody(parsed, status);
      const hint = err?.retryAfterMs ?? answer.retryAfterMs;
      const retryAfterMs = hint === undefined ? undefined : this.#clampRetry(hint);
      if (err === undefined) {
        throw new SignalingError('bad-response', `broker answered HTTP ${status}`, { status, retryAfterMs });
      }
      throw new SignalingError(err.code, err.message, { status, retryAfterMs });
    }
    try {
      return decode(parsed);
    } catch (err) {
      const message = err instanceof Error ? err.message : 'unreadable answer';
      throw new SignalingError('bad-response', `broker answer: ${message}`, { status, cause: err });
    }
  }

  /** The one clamp for every retry hint the broker gives (body or header): at most maxRetryAfterMs. */
  #clampRetry(ms: number): number {
    return Math.min(ms, this.#limits.maxRetryAfterMs);
  }
}
