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
  OutcomeRequest,
  PollRequest,
  PollResponse,
} from '../signaling/messages.js';
import { type IceConfig, iceServersFor } from './ice.js';
import { BrokerKeys } from './keys.js';
import { type ClientRequest, chooseVolunteer, natCompatible, pairingKey } from './matcher.js';
import { answerKey, keepsFailing, volunteerKey } from './outcomes.js';
import { RateLimiter } from './rate-limit.js';
import type { SignalingStore, Standing, WaitingVolunteer } from './store.js';

/** What the outcome store's `read` gives: counts by key. */
type OutcomeCountsRead = Awaited<ReturnType<SignalingStore['outcomes']['read']>>;

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
  | 'turnCredentialTtlMs'
  | 'outcomeReportMs'
  | 'outcomeWindowMs'
  | 'volunteerFailures'
  | 'pairingFailures'
  | 'recentPerSource'
  | 'maxRecentSources'
>;

export interface BrokerServiceDeps {
  /** Clock for `since`, ms since the epoch. @default Date.now */
  now?: () => number;
  /** Unguessable id for polls and offers. @default 128 random bits, base64url */
  randomId?: () => string;
  /** Called when an offer's volunteer answered: its NAT pool and the ms since the offer began (metrics). */
  onMatch?: (nat: NatClass, ms: number) => void;
  /** STUN and TURN servers handed out in `info()` (signaling-v1 §3). @default none */
  ice?: IceConfig;
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
  readonly #ice: IceConfig;
  /** signaling-v1 §7: the volunteers each client source was matched with lately, most recent last. */
  readonly #recent = new Map<string, string[]>();

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
    this.#ice = deps.ice ?? { stun: [] };
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

  /**
   * signaling-v1 §12: the source key of a session a trusted egress forwards for; `egressSource` is the
   * egress's own `sourceKey`.
   */
  tunnelSourceKey(egressSource: string, session: string): string {
    return this.#brokerKeys().tunnelSource(egressSource, session);
  }

  /** signaling-v1 §3: with TURN, every call makes fresh short-lived credentials. */
  info(): InfoResponse {
    const ttl = this.#opts.turnCredentialTtlMs;
    const servers = iceServersFor(this.#ice, this.#now(), ttl);
    if (servers.length === 0) return { egress: [...this.#egress] };
    return { egress: [...this.#egress], iceServers: servers, iceTtlMs: this.#ice.turn ? ttl : 86_400_000 };
  }

  /** Whether this broker hands out a TURN server, so that relay-only offers (signaling-v1 §6) can connect. */
  get hasTurn(): boolean {
    return this.#ice.turn !== undefined;
  }

  /**
   * signaling-v1 §11: counts a match's outcome for its volunteer and its NAT pairing. Only the source that
   * made the match may report it, once; any other report is ignored (the answer is the same).
   */
  async outcome(req: OutcomeRequest, source: string): Promise<void> {
    const record = await this.#guard(this.#store.outcomes.take(req.match));
    if (record === undefined || record.source !== source) return;
    const keys = [
      volunteerKey(record.volunteer),
      pairingKey(record.clientNat, record.volunteerNat, record.relay),
    ];
    await this.#guard(this.#store.outcomes.count(keys, req.connected, this.#opts.outcomeWindowMs));
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
      standing: await this.#standing(id, source),
    };
    const paired = req.pairing === undefined ? {} : { paired: true as const };
    const offer = await this.#guard(this.#store.waitForOffer(volunteer, this.#opts.pollTimeoutMs, signal));
    if (offer === null) {
      // A poll held its whole time polls again at once: a pause would take a waiting volunteer out of the
      // pool for that long each turn (a friend's only paired volunteer, say). One that ended early waits.
      const held = this.#now() - volunteer.since >= this.#opts.pollTimeoutMs;
      return { ticket, offer: null, retryAfterMs: held ? 0 : this.#opts.retryAfterMs, ...paired };
    }
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
    const relay = req.relay === true;
    const match: ClientRequest = {
      nat: req.nat,
      egress,
      exclude,
      pool,
      relay,
      recent: this.#recent.get(source) ?? [],
    };
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
      if (relay) offer.relay = true;
      const { volunteer, unreachable } = await this.#claimFitting(match, offer, budget, signal);
      if (volunteer === undefined) {
        throw new SignalingError('no-match', this.#noMatchReason(match, unreachable), {
          retryAfterMs: this.#opts.retryAfterMs,
        });
      }
      this.#remember(source, volunteer.id);
      // A volunteer was taken from the pool for this source; a cancelled match below costs it too.
      this.#matchBudget.spend(source);
      const outcome = await this.#store.waitAnswer(offer.id, signal);
      if (outcome.kind === 'answer' || outcome.kind === 'timeout') this.#countAnswer(volunteer, outcome.kind);
      if (outcome.kind === 'answer') {
        this.#onMatch(volunteer.nat, this.#now() - started);
        const paired = req.pairing === undefined ? {} : { paired: true as const };
        const record = {
          volunteer: volunteer.id,
          volunteerNat: volunteer.nat,
          clientNat: req.nat,
          relay,
          source,
        };
        // Its own id, not the offer's: an offer id is what a volunteer answers with (signaling-v1 §5).
        // Outcome reports are best effort: a store that cannot keep the record must not lose the match.
        const matchId = this.#randomId();
        await this.#store.outcomes
          .remember(matchId, record, this.#opts.outcomeReportMs)
          .catch(() => undefined);
        return { sdp: outcome.sdp, volunteer: outcome.volunteer, match: matchId, ...paired };
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
  ): Promise<{ volunteer?: WaitingVolunteer; unreachable: number }> {
    let candidates: WaitingVolunteer[] = [];
    let fitting = match;
    let attempt = await this.#inTurn(async () => {
      candidates = await this.#guard(this.#store.listWaiting(match.egress, match.pool));
      fitting = await this.#withOutcomes(match, candidates);
      return this.#claimBest(candidates, fitting, offer, budget, signal);
    });
    while (attempt !== undefined) {
      if (await attempt.claimed) return { volunteer: attempt.volunteer, unreachable: 0 };
      candidates.splice(candidates.indexOf(attempt.volunteer), 1);
      attempt = this.#claimBest(candidates, fitting, offer, budget, signal);
    }
    const unreachable = candidates.filter(
      (v) => !match.exclude.includes(v.id) && !natCompatible(v.nat, match.nat),
    ).length;
    return { unreachable };
  }

  /**
   * signaling-v1 §11: whether `volunteer` answered its offer in time, counted for it and for its source.
   * Best effort and not awaited: the client's answer must not wait on the count.
   */
  #countAnswer(volunteer: WaitingVolunteer, kind: 'answer' | 'timeout'): void {
    const keys =
      kind === 'answer'
        ? [answerKey(volunteer.source)]
        : [answerKey(volunteer.source), volunteerKey(volunteer.id)];
    this.#store.outcomes.count(keys, kind === 'answer', this.#opts.outcomeWindowMs).catch(() => undefined);
  }

  /**
   * signaling-v1 §7, §11: a polling volunteer's record, which orders the listing of its class (store.ts
   * `standing`). A store that cannot tell gives no record.
   */
  async #standing(id: string, source: string): Promise<Standing> {
    try {
      return this.#standingOf(await this.#store.outcomes.read([answerKey(source), volunteerKey(id)]), {
        id,
        source,
      });
    } catch {
      return 1;
    }
  }

  /**
   * signaling-v1 §7, §11, from outcome counts that hold the volunteer's and its source's keys: 2 failing (it
   * or its source keeps failing), 0 proven (its source answered in time lately, or it connected a client; a
   * declared NAT class or a crowd of polls buys no place before these), else 1, no record.
   */
  #standingOf(counts: OutcomeCountsRead, v: { id: string; source: string }): Standing {
    const records = [counts.get(volunteerKey(v.id)), counts.get(answerKey(v.source))];
    if (records.some((c) => keepsFailing(c, this.#opts.volunteerFailures, 2))) return 2;
    return records.some((c) => (c?.connected ?? 0) > 0) ? 0 : 1;
  }

  /**
   * signaling-v1 §11: the request with what outcome reports taught: volunteers that keep failing go last,
   * direct NAT pairings that keep failing are not offered. A store that cannot tell changes nothing.
   */
  async #withOutcomes(match: ClientRequest, candidates: readonly WaitingVolunteer[]): Promise<ClientRequest> {
    const classes: NatClass[] = ['public', 'cone', 'unknown', 'symmetric'];
    const pairings = match.relay === true ? [] : classes.map((v) => pairingKey(match.nat, v, false));
    const sources = new Set(candidates.map((v) => answerKey(v.source)));
    const keys = [...pairings, ...candidates.map((v) => volunteerKey(v.id)), ...sources];
    let counts: OutcomeCountsRead;
    try {
      counts = await this.#store.outcomes.read(keys);
    } catch {
      return match;
    }
    if (counts.size === 0) return match;
    const standings = new Map(candidates.map((v) => [v.id, this.#standingOf(counts, v)]));
    const failing = new Set(candidates.filter((v) => standings.get(v.id) === 2).map((v) => v.id));
    const proven = new Set(candidates.filter((v) => standings.get(v.id) === 0).map((v) => v.id));
    const failingPairings = new Set(
      pairings.filter((k) => keepsFailing(counts.get(k), this.#opts.pairingFailures, 4)),
    );
    return { ...match, failing, failingPairings, proven };
  }

  /** signaling-v1 §6: why nothing matched, in words a user can act on. */
  #noMatchReason(match: ClientRequest, unreachable: number): string {
    if (unreachable === 0 || match.relay === true) return 'no fitting volunteer is waiting';
    const turn = this.hasTurn ? 'offer again with relay candidates only' : 'TURN not configured';
    return `no volunteer reachable from your network (${match.nat} NAT) is free; ${turn}`;
  }

  /** signaling-v1 §7: `volunteer` was just matched with `source`; the oldest of its recent ones is dropped. */
  #remember(source: string, volunteer: string): void {
    const list = (this.#recent.get(source) ?? []).filter((id) => id !== volunteer);
    list.push(volunteer);
    if (list.length > this.#opts.recentPerSource) list.shift();
    this.#recent.delete(source);
    this.#recent.set(source, list);
    while (this.#recent.size > this.#opts.maxRecentSources) {
      const oldest = this.#recent.keys().next();
      if (oldest.done === true) break;
      this.#recent.delete(oldest.value);
    }
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
