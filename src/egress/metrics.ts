/**
 * The egress's metrics (docs/deploy.md, "Metrics"): sessions, paths, streams, bytes, handshake failures and
 * refusals by reason, drain state. Counts of people's sessions, paths and streams and their bytes are binned
 * (src/shared/metrics.ts): a leaked scrape must not tell when one user came or how much they fetched.
 */
import type { Socket } from 'node:net';
import { type Counter, type Labels, MetricsRegistry } from '../shared/metrics.js';

/** People counts are reported rounded up to a multiple of this. */
export const PEOPLE_BIN = 8;
/** Byte counts are reported rounded up to a multiple of this (1 MiB). */
export const BYTES_BIN = 1 << 20;

export interface EgressGauges {
  sessions(): number;
  paths(): number;
  streams(): number;
  halfOpen(): number;
  draining(): boolean;
}

export class EgressMetrics {
  readonly registry = new MetricsRegistry();
  readonly sessionsTotal: Counter;
  readonly pathsTotal: Counter;
  readonly pathRefusals: Counter;
  readonly handshakeFailures: Counter;
  readonly streamsTotal: Counter;
  readonly streamRefusals: Counter;
  readonly #open = new Set<Socket>();
  #closedUp = 0;
  #closedDown = 0;

  constructor(gauges: EgressGauges) {
    const r = this.registry;
    const people = { bin: PEOPLE_BIN };
    r.gauge(
      'starling_egress_sessions_open',
      'Sessions held now (binned up to a multiple of 8).',
      people,
    ).collect(gauges.sessions);
    this.sessionsTotal = r.counter(
      'starling_egress_sessions_total',
      'Sessions made since start (binned up to a multiple of 8).',
      people,
    );
    r.gauge(
      'starling_egress_paths_open',
      'Volunteer WebSockets open now (binned up to a multiple of 8).',
      people,
    ).collect(gauges.paths);
    this.pathsTotal = r.counter(
      'starling_egress_paths_total',
      'Volunteer WebSockets accepted since start (binned up to a multiple of 8).',
      people,
    );
    this.pathRefusals = r.counter(
      'starling_egress_path_refusals_total',
      'WebSocket upgrades refused with 503, by reason (path-limit, per-source, draining).',
    );
    r.gauge(
      'starling_egress_half_open',
      'Handshakes answered and awaiting the first record (session-v1 §2.1).',
    ).collect(gauges.halfOpen);
    this.handshakeFailures = r.counter(
      'starling_egress_handshake_failures_total',
      'Paths refused or closed before a session took them, by reason.',
    );
    r.gauge(
      'starling_egress_streams_open',
      'Streams open now (binned up to a multiple of 8).',
      people,
    ).collect(gauges.streams);
    this.streamsTotal = r.counter(
      'starling_egress_streams_total',
      'Streams whose destination was reached since start (binned up to a multiple of 8).',
      people,
    );
    this.streamRefusals = r.counter(
      'starling_egress_stream_refusals_total',
      'Streams refused, by reason: not-allowed (destination policy), busy (open caps), dns-failed, refused, ...',
    );
    r.counter(
      'starling_egress_bytes_total',
      'Bytes to (up) and from (down) destinations (binned up to a multiple of 1 MiB).',
      { bin: BYTES_BIN },
    ).collect(() => this.#bytes());
    r.gauge(
      'starling_egress_draining',
      '1 while draining (SIGTERM, session-v1 §7: GOAWAY sent), else 0.',
    ).collect(() => (gauges.draining() ? 1 : 0));
    // Present from the first scrape, so a rate() over a restart sees 0 rather than no series.
    for (const c of [this.sessionsTotal, this.pathsTotal, this.streamsTotal]) c.inc({}, 0);
  }

  /** Counts a destination socket's bytes, live while it is open and kept once it closes. */
  track(socket: Socket): void {
    this.#open.add(socket);
    socket.once('close', () => {
      this.#open.delete(socket);
      this.#closedUp += socket.bytesWritten;
      this.#closedDown += socket.bytesRead;
    });
  }

  #bytes(): [Labels, number][] {
    let up = this.#closedUp;
    let down = this.#closedDown;
    for (const s of this.#open) {
      up += s.bytesWritten;
      down += s.bytesRead;
    }
    return [
      [{ direction: 'up' }, up],
      [{ direction: 'down' }, down],
    ];
  }
}
