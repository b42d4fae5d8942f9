/**
 * A Node volunteer's metrics (`starling volunteer --metrics ADDR`, docs/deploy.md "Metrics"): its state,
 * clients relayed now and in all, bytes relayed, and its requests to the broker (polls) by outcome. Counts
 * of clients and bytes are binned (src/shared/metrics.ts).
 */
import { type Counter, type Labels, MetricsRegistry } from '../shared/metrics.js';
import type { RelayStats } from './relay.js';

const PEOPLE_BIN = 8;
const BYTES_BIN = 1 << 20;
const STATES: readonly RelayStats['state'][] = ['off', 'connecting', 'waiting', 'helping', 'error'];

export class VolunteerMetrics {
  readonly registry = new MetricsRegistry();
  readonly #brokerRequests: Counter;

  /** `stats` is read at scrape time (VolunteerRelay.stats). */
  constructor(stats: () => RelayStats) {
    const r = this.registry;
    r.gauge('starling_volunteer_state', 'The relay state: 1 for the current one, 0 for the others.').collect(
      () => {
        const now = stats().state;
        return STATES.map((state): [Labels, number] => [{ state }, state === now ? 1 : 0]);
      },
    );
    r.gauge('starling_volunteer_clients', 'Clients relayed now (binned up to a multiple of 8).', {
      bin: PEOPLE_BIN,
    }).collect(() => stats().clients);
    r.counter(
      'starling_volunteer_clients_total',
      'Clients served since start (binned up to a multiple of 8).',
      {
        bin: PEOPLE_BIN,
      },
    ).collect(() => stats().totalClients);
    r.counter(
      'starling_volunteer_bytes_total',
      'Bytes relayed in both directions since start (binned up to a multiple of 1 MiB).',
      { bin: BYTES_BIN },
    ).collect(() => stats().bytesRelayed);
    this.#brokerRequests = r.counter(
      'starling_volunteer_broker_requests_total',
      'Requests to the broker by route (info, poll, answer) and outcome (HTTP status, or "failed": no answer).',
    );
  }

  /** Wraps the relay's fetch so each broker request is counted. */
  countingFetch(inner: typeof fetch): typeof fetch {
    return async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const route = /\/v1\/volunteer\/(poll|answer)$/.exec(new URL(url).pathname)?.[1] ?? 'info';
      try {
        const res = await inner(input, init);
        this.#brokerRequests.inc({ route, outcome: String(res.status) });
        return res;
      } catch (e) {
        this.#brokerRequests.inc({ route, outcome: 'failed' });
        throw e;
      }
    };
  }
}
