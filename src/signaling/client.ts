/**
 * HTTP client for the broker (docs/spec/signaling-v1.md), used by clients and volunteers alike: encodes and
 * decodes the messages, and sends them by its rendezvous methods (src/signaling/rendezvous.ts). Only
 * web-standard APIs (fetch, AbortController, TextDecoder): it runs unchanged in browsers and Node.
 */
import { BROKER_CLIENT_DEFAULTS, type BrokerClientLimits, withDefaults } from '../shared/limits.js';
import { SignalingError } from './errors.js';
import type { NatClass } from './fields.js';
import { fromBase64Url } from './hpke.js';
import {
  type DeliveredOffer,
  decodeErrorBody,
  decodeInfoResponse,
  decodeOfferResponse,
  decodeOkResponse,
  decodePollResponse,
  encodeAnswerRequest,
  encodeOfferRequest,
  encodeOutcomeRequest,
  encodePollRequest,
  type InfoResponse,
  type OfferAnswer,
  type PollResponse,
} from './messages.js';
import { Rendezvous, type RendezvousAnswer } from './rendezvous.js';
import { postMethod } from './rendezvous-http.js';
import { SEALED_PATHS, type SealedPath, sealRequest } from './sealed.js';

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
  /**
   * signaling-v1 §10: seal every poll, answer and offer to this broker public key (43 characters of base64url,
   * pinned: a front that rewrites GET /v1/info cannot change it), or `'info'` for the key GET /v1/info
   * publishes, read once before the first request (plain signaling when it publishes none).
   * @default plain signaling
   */
  brokerKey?: string;
  /** This side's clock, ms since the epoch (tests give a wrong one). @default Date.now */
  now?: () => number;
}

const KEY_RE = /^[A-Za-z0-9_-]{43}$/;

/** A broker public key as given to BrokerClient (base64url, 32 bytes); a RangeError otherwise. */
export function parseBrokerKey(text: string): Uint8Array {
  if (!KEY_RE.test(text)) throw new RangeError('a broker key is 43 characters of base64url (32 bytes)');
  return fromBase64Url(text);
}

export class BrokerClient {
  readonly #limits: BrokerClientLimits;
  readonly #rendezvous: Rendezvous;
  readonly #keyFromInfo: boolean;
  /** The key sealed to: pinned, or read from /v1/info (null: it publishes none); undefined until read. */
  #key: Promise<Uint8Array | null> | undefined;
  /** The broker's clock minus ours, ms, from its last sealed answer (signaling-v1 §10 "Replay"). */
  #clockOffsetMs = 0;
  readonly #now: () => number;

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
    this.#now = options.now ?? (() => Date.now());
    this.#keyFromInfo = options.brokerKey === 'info';
    if (options.brokerKey !== undefined && !this.#keyFromInfo)
      this.#key = Promise.resolve(parseBrokerKey(options.brokerKey));
  }

  /** signaling-v1 §3 (and §10: `key`, when the broker seals). */
  async info(signal?: AbortSignal): Promise<InfoResponse> {
    const info = await this.#call('v1/info', undefined, signal, decodeInfoResponse);
    // A key to be read from /v1/info comes from any read, so the first sealed request costs no read of
    // its own: a round trip less before a client's first offer or a volunteer's first poll.
    if (this.#keyFromInfo && this.#key === undefined && (info.key === undefined || KEY_RE.test(info.key)))
      this.#key = Promise.resolve(info.key === undefined ? null : parseBrokerKey(info.key));
    return info;
  }

  /** Whether requests are sealed (signaling-v1 §10): reads /v1/info first when the key comes from there. */
  async sealed(signal?: AbortSignal): Promise<boolean> {
    return (await this.#sealingKey(signal)) !== null;
  }

  #sealingKey(signal: AbortSignal | undefined): Promise<Uint8Array | null> {
    if (this.#key === undefined) {
      if (!this.#keyFromInfo) return Promise.resolve(null);
      const read = this.info(signal).then((i) => (i.key === undefined ? null : parseBrokerKey(i.key)));
      // A failed read is tried again on the next request.
      read.catch(() => {
        if (this.#key === read) this.#key = undefined;
      });
      this.#key = read;
    }
    return this.#key;
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
    req: {
      nat: NatClass;
      sdp: string;
      egress?: string;
      exclude?: string[];
      pairing?: string;
      relay?: true;
    },
    signal?: AbortSignal,
  ): Promise<OfferAnswer> {
    const body = encodeOfferRequest({ ...req, exclude: req.exclude ?? [] });
    const res: OfferAnswer = await this.#call('v1/client/offer', body, signal, decodeOfferResponse);
    return res;
  }

  /** signaling-v1 §11: whether the data channel of the match named `match` (the answer's) opened. */
  async outcome(match: string, connected: boolean, signal?: AbortSignal): Promise<void> {
    const body = encodeOutcomeRequest({ match, connected });
    await this.#call('v1/client/outcome', body, signal, decodeOkResponse);
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
    if (body !== undefined && (SEALED_PATHS as readonly string[]).includes(`/${path}`)) {
      const key = await this.#sealingKey(signal);
      if (key !== null) return this.#sealedCall(key, `/${path}` as SealedPath, body, signal, decode);
    }
    const bytes = body === undefined ? null : new TextEncoder().encode(JSON.stringify(body));
    return this.#rendezvous.exchange(
      { path, body: bytes },
      (run) => this.#attempt(run, signal),
      (answer) => this.#decode(answer, decode),
    );
  }

  /**
   * signaling-v1 §10: one sealed exchange, by the rendezvous methods like any other. A `stale` answer carries
   * the broker's time: the request is sealed again once with the clock corrected. A `wrong-key` answer makes
   * a key read from /v1/info be read again on the next request.
   */
  async #sealedCall<T>(
    key: Uint8Array,
    path: SealedPath,
    body: object,
    signal: AbortSignal | undefined,
    decode: (body: unknown) => T,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const sealed = await sealRequest(key, { path, t: this.#now() + this.#clockOffsetMs, body });
      const request = { path: 'v1/sealed', body: sealed.body };
      let retry = false;
      try {
        return await this.#rendezvous.exchange(
          request,
          (run) => this.#attempt(run, signal),
          async (answer) => {
            if (answer.status !== 200) return this.#decode(answer, decode);
            const opened = await sealed.open(answer.body);
            this.#clockOffsetMs = opened.now - this.#now();
            if (opened.status !== 200 && attempt === 0) {
              const code = (opened.body as { code?: unknown }).code;
              retry = code === 'stale';
            }
            const inner = new TextEncoder().encode(JSON.stringify(opened.body));
            return this.#decode({ status: opened.status, body: inner }, decode);
          },
        );
      } catch (err) {
        if (err instanceof SignalingError && err.code === 'wrong-key' && this.#keyFromInfo)
          this.#key = undefined;
        if (!retry) throw err;
      }
    }
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
