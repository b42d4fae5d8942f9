/**
 * The broker's metrics (docs/deploy.md, "Metrics"), one instance's view: requests by route, polls held and
 * their outcomes, offers by outcome, matches by the volunteer's NAT pool, match latency, rate-limited
 * requests. Counts of volunteers' polls and clients' matches are binned (src/shared/metrics.ts).
 */
import { type Counter, type Gauge, type Histogram, MetricsRegistry } from '../shared/metrics.js';
import type { NatClass } from '../signaling/fields.js';

/** People counts are reported rounded up to a multiple of this. */
export const PEOPLE_BIN = 8;

/** Upper bounds of the match latency buckets, seconds: from an offer's arrival to the volunteer's answer. */
export const MATCH_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export class BrokerMetrics {
  readonly registry = new MetricsRegistry();
  readonly requests: Counter;
  readonly rateLimited: Counter;
  readonly pollsWaiting: Gauge;
  readonly polls: Counter;
  readonly offers: Counter;
  readonly matches: Counter;
  readonly matchSeconds: Histogram;
  readonly sealed: Counter;
  readonly tunnelled: Counter;

  constructor() {
    const r = this.registry;
    const people = { bin: PEOPLE_BIN };
    this.requests = r.counter(
      'starling_broker_requests_total',
      'HTTP requests by route (info, poll, answer, offer, sealed, healthz, other) and status code.',
    );
    this.rateLimited = r.counter(
      'starling_broker_rate_limited_total',
      'Requests refused 429, by limit: requests (per-source request rate) or matches (client match budget).',
    );
    this.pollsWaiting = r.gauge(
      'starling_broker_polls_waiting',
      'Volunteer long polls held by this instance now (binned up to a multiple of 8).',
      people,
    );
    this.polls = r.counter(
      'starling_broker_polls_total',
      'Volunteer polls answered, by outcome: offer, empty (timed out or ended), error (binned up to a multiple of 8).',
      people,
    );
    this.offers = r.counter(
      'starling_broker_offers_total',
      'Client offers answered, by outcome: matched or the error code (no-match, timeout, ...).',
    );
    this.matches = r.counter(
      'starling_broker_matches_total',
      "Clients matched with a volunteer who answered, by the volunteer's NAT pool (binned up to a multiple of 8).",
      people,
    );
    this.matchSeconds = r.histogram(
      'starling_broker_match_seconds',
      "Time from a client's offer to its volunteer's answer, seconds (counts binned up to a multiple of 8).",
      MATCH_SECONDS_BUCKETS,
      people,
    );
    this.sealed = r.counter(
      'starling_broker_sealed_total',
      'Sealed requests opened (signaling-v1 §10), by outcome: ok, stale (time outside the window), replayed.',
    );
    this.tunnelled = r.counter(
      'starling_broker_tunnelled_total',
      'Requests with an egress session header (signaling-v1 §12), by result: trusted (the egress token matched) or ignored (counted by their address).',
    );
    // Present from the first scrape; the NAT pools the broker knows today (signaling-v1 `nat`).
    this.matches.inc({ nat_pool: 'unknown' }, 0);
  }

  /** A client was matched and its volunteer answered, `ms` after its offer arrived. */
  matched(nat: NatClass, ms: number): void {
    this.matches.inc({ nat_pool: nat });
    this.matchSeconds.observe(ms / 1000);
  }
}
