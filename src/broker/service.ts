/**
 * The broker's logic (signaling-v1 §3 to §7) as plain async methods over a SignalingStore: no HTTP objects,
 * so it is tested without sockets. The HTTP edge (src/broker/http.ts) only decodes and maps errors, and
 * names each request's source with `sourceKey` (signaling-v1 §1).
 */

import { BROKER_DEFAULTS, type BrokerOptions, withDefaults } from '../shared/limits.js';
import { SignalingError } from '../signaling/errors.js';
import { type NatClass, normalizeEgressUrls, randomId } from '../signaling/fields.js';
import type {
  AnswerRequest,
  DeliveredOffer,
  InfoResponse,
  OfferAnswer,
  OfferRequest,
  PollRequest,
  PollResponse,
} from '../signaling/messages.js';
import { BrokerKeys } from './keys.js';
import { type ClientRequest, chooseVolunteer } from './matcher.js';
import { RateLimiter } from './rate-limit.js';
import type { SignalingStore, WaitingVolunteer } from './store.js';

export type BrokerServiceOptions = Pick<
  BrokerOptions,
  | 'pollTimeoutMs'
  | 'answerTimeoutMs'
  | 'retryAfterMs'
  | 'overloadedRetryAfterMs'
  | 'maxClaimAttempts'
  | 'clientMatchBurst'
  | 'clientMatchesPerMinute'
  | 'rateLimitMaxAddresses'
>;

export interface BrokerServiceDeps {
  /** Clock for `since`, ms since the epoch. @default Date.now */
  now?: () => number;
  /** Unguessable id for polls and offers. @default 128 random bits, base64url */
  randomId?: () => string;
  /** Called when an offer's volunteer answered: its NAT pool and the ms since the offer began (metrics). */
  onMatch?: (nat: NatClass, ms: number) => void;
}

export class BrokerService {
  readonly #store: SignalingStore;
  readonly #egress: readonly string[];
  readonly #opts: BrokerServiceOptions;
  readonly #now: () => number;
  readonly #randomId: () => string;
  readonly #onMatch: (nat: NatClass, ms: number) => void;
  /** signaling-v1 §6: volunteers each client source may still be matched with, per instance. */
  readonly #matchBudget: RateLimiter;
  /** The end of the last matching turn queued on this instance (#inTurn). */
  #turn: Promise<unknown> = Promise.resolve();
  #keys: { secret: Uint8Array; keys: BrokerKeys } | undefined;

  constructor(
    store: SignalingStore,
    egress: readonly string[],
    options: Partial<BrokerServiceOptions> = {},
    deps: BrokerServiceDeps = {},
  ) {
    this.#store = store;
    // signaling-v1 §3: clients decode at most maxAllowList egress URLs, so a longer list is refused here.
    this.#egress = normalizeEgressUrls(egress);
    if (this.#egress.length === 0) throw new RangeError('the broker needs at least one egress URL');
    this.#opts = withDefaults<BrokerServiceOptions>(BROKER_DEFAULTS, options);
    this.#now = deps.now ?? Date.now;
    this.#randomId = deps.randomId ?? randomId;
    this.#onMatch = deps.onMatch ?? (() => {});
    this.#matchBudget = new RateLimiter({
      perSecond: this.#opts.clientMatchesPerMinute / 60,
      burst: this.#opts.clientMatchBurst,
      maxSources: this.#opts.rateLimitMaxAddresses,
    });
  }

  /** signaling-v1 §1: the source key of a client address, which every per-source bound counts under. */
  sourceKey(address: string): string {
    return this.#brokerKeys().source(address);
  }

  /** signaling-v1 §3. */
  info(): InfoResponse {
    return { egress: [...this.#egress] };
  }

  /**
   * signaling-v1 §4: waits up to pollTimeoutMs for an offer. `source` is the request's `sourceKey`. The
   * volunteer is the one its ticket proves, or a new one; the answer carries the ticket to present next. An
   * aborted poll resolves with no offer.
   */
  async poll(req: PollRequest, source: string, signal?: AbortSignal): Promise<PollResponse> {
    const egress = req.egress.filter((url) => this.#egress.includes(url));
    if (egress.length === 0)
      throw new SignalingError('unknown-egress', 'this broker serves none of these egress URLs');
    const keys = this.#brokerKeys();
    const proven = req.ticket === undefined ? undefined : keys.volunteerOf(req.ticket);
    const { id, ticket } =
      proven !== undefined && req.ticket !== undefined
        ? { id: proven, ticket: req.ticket }
        : keys.newVolunteer();
    const volunteer: WaitingVolunteer = {
      id,
      pollId: this.#randomId(),
      nat: req.nat,
      egress,
      since: this.#now(),
      source,
      pool: keys.pool(req.pairing),
    };
    const paired = req.pairing === undefined ? {} : { paired: true as const };
    const offer = await this.#guard(this.#store.waitForOffer(volunteer, this.#opts.pollTimeoutMs, signal));
    if (offer === null) return { ticket, offer: null, retryAfterMs: this.#opts.retryAfterMs, ...paired };
    if (signal?.aborted === true) {
      // The volunteer left between delivery and the HTTP answer: free the client at once (it tries another).
      await this.#store.cancelOffer(offer.id);
      return { ticket, offer: null, retryAfterMs: this.#opts.retryAfterMs, ...paired };
    }
    return { ticket, offer, retryAfterMs: 0, ...paired };
  }

  /** signaling-v1 §5. */
  async answer(req: AnswerRequest): Promise<void> {
    const delivered = await this.#guard(this.#store.deliverAnswer(req.offerId, req.sdp));
    if (!delivered) throw new SignalingError('unknown-offer', 'offer expired or never existed');
  }

  /**
   * signaling-v1 §6 and §7: picks a fitting volunteer, hands it the offer, waits for its answer. A
   * volunteer that leaves before receiving the offer is skipped and another is tried. `source` is the
   * request's `sourceKey`: its match budget and its share of pending offers are counted.
   */
  async offer(req: OfferRequest, source: string, signal?: AbortSignal): Promise<OfferAnswer> {
    const egress = req.egress ?? this.#egress[0]!;
    if (!this.#egress.includes(egress)) {
      throw new SignalingError('unknown-egress', 'this broker does not serve that egress');
    }
    const exclude = [...req.exclude];
    // signaling-v1 §8: a tag looks in its own pool only; falling back to the public pool is the client's call.
    const pool = this.#brokerKeys().pool(req.pairing);
    const match: ClientRequest = { nat: req.nat, egress, exclude, pool };
    const budget = { claims: this.#opts.maxClaimAttempts, source };
    const started = this.#now();
    for (;;) {
      // A client that already gave up must not take a volunteer from the pool.
      this.#throwIfAborted(signal);
      const allowance = this.#matchBudget.check(source);
      if (!allowance.ok) {
        throw new SignalingError('rate-limited', 'this address was matched with too many volunteers', {
          retryAfterMs: allowance.retryAfterMs,
        });
      }
      const offer: DeliveredOffer = { id: this.#randomId(), sdp: req.sdp, egress };
      const volunteer = await this.#claimFitting(match, offer, budget, signal);
      if (volunteer === undefined) {
        throw new SignalingError('no-match', 'no fitting volunteer is waiting', {
          retryAfterMs: this.#opts.retryAfterMs,
        });
      }
      // A volunteer was taken from the pool for this source; a cancelled match below costs it too.
      this.#matchBudget.spend(source);
      const outcome = await this.#store.waitAnswer(offer.id, signal);
      if (outcome.kind === 'answer') {
        this.#onMatch(volunteer.nat, this.#now() - started);
        const paired = req.pairing === undefined ? {} : { paired: true as const };
        return { sdp: outcome.sdp, volunteer: outcome.volunteer, ...paired };
      }
      if (outcome.kind === 'timeout')
        throw new SignalingError('timeout', 'the volunteer did not answer in time');
      this.#throwIfAborted(signal);
      exclude.push(volunteer.id);
    }
  }

  /**
   * signaling-v1 §7: reads the pool and claims the best fit, in this instance's matching turn (#inTurn); a
   * volunteer taken meanwhile (by another instance, or its poll ended) is skipped for the next best.
   */
  async #claimFitting(
    match: ClientRequest,
    offer: DeliveredOffer,
    budget: { claims: number; readonly source: string },
    signal: AbortSignal | undefined,
  ): Promise<WaitingVolunteer | undefined> {
    let candidates: WaitingVolunteer[] = [];
    let attempt = await this.#inTurn(async () => {
      candidates = await this.#guard(this.#store.listWaiting(match.egress, match.pool));
      return this.#claimBest(candidates, match, offer, budget, signal);
    });
    while (attempt !== undefined) {
      if (await attempt.claimed) return attempt.volunteer;
      candidates.splice(candidates.indexOf(attempt.volunteer), 1);
      attempt = this.#claimBest(candidates, match, offer, budget, signal);
    }
    return undefined;
  }

  /** Chooses the best fitting candidate and starts claiming it; undefined when none fits or no claim is left. */
  #claimBest(
    candidates: readonly WaitingVolunteer[],
    match: ClientRequest,
    offer: DeliveredOffer,
    budget: { claims: number; readonly source: string },
    signal: AbortSignal | undefined,
  ): { volunteer: WaitingVolunteer; claimed: Promise<boolean> } | undefined {
    const volunteer = chooseVolunteer(candidates, match);
    if (volunteer === undefined || budget.claims <= 0) return undefined;
    this.#throwIfAborted(signal);
    budget.claims--;
    const claimed = this.#guard(
      this.#store.claim(volunteer, offer, this.#opts.answerTimeoutMs, budget.source),
    );
    // Awaited by the caller once the turn has passed; until then a rejection must not count as unhandled.
    claimed.catch(() => undefined);
    return { volunteer, claimed };
  }

  /**
   * signaling-v1 §7: one offer at a time on this instance goes from reading the pool to issuing its claim.
   * With a shared store the read and the claim are round trips, and offers that read the pool at the same
   * moment all choose the same best volunteer: one claim wins, the others spend their `maxClaimAttempts`.
   * So `step` runs once the previous one has finished, and a step ends as soon as its claim is issued (the
   * store has the promise), not answered: a store runs one instance's commands in the order they were
   * issued (Redis: one pipelined connection), so the next read already sees that claim. Correctness never
   * depends on the turn, since a claim is atomic; it only keeps this instance's offers from colliding.
   */
  #inTurn<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(step);
    this.#turn = run.catch(() => undefined);
    return run;
  }

  /** Keys under the store's secret, remade when the secret changes (a shared store may replace it). */
  #brokerKeys(): BrokerKeys {
    const secret = this.#store.secret;
    if (this.#keys?.secret !== secret) this.#keys = { secret, keys: new BrokerKeys(secret) };
    return this.#keys.keys;
  }

  /**
   * Adds the retry hint to store errors that need one (signaling-v1 §1). A plain `catch`, not an async
   * frame: a long poll waits through it, and every frame it waits in is held for the poll's lifetime.
   */
  #guard<T>(work: Promise<T>): Promise<T> {
    return work.catch((err: unknown) => {
      if (err instanceof SignalingError && err.status === 503 && err.retryAfterMs === undefined) {
        throw new SignalingError(err.code, err.message, { retryAfterMs: this.#opts.overloadedRetryAfterMs });
      }
      throw err;
    });
  }

  /** An aborted offer (the client hung up, or the broker is closing) ends as 503 `unavailable`. */
  #throwIfAborted(signal: AbortSignal | undefined): void {
    if (signal?.aborted === true) {
      throw new SignalingError('unavailable', 'request aborted', {
        retryAfterMs: this.#opts.overloadedRetryAfterMs,
      });
    }
  }
}
