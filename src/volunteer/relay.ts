/**
 * The volunteer relay core (docs/spec/path-v1.md, signaling-v1 §3–5): long-polls the broker while it has a
 * free slot, answers client offers for allowed egresses, and splices each client's data channel to a
 * WebSocket to the egress. Web-standard APIs only, through RelayEnv, so a browser tab, an extension and
 * Node run this same code.
 *
 * It pauses (paths say GOODBYE, no polling) while the host is hidden or on battery, when its options ask for
 * that, and for good once it has relayed `maxTotalBytes`.
 *
 * Events (all `CustomEvent`, typed by RelayEvents): 'state', 'client' (a client is being served), 'stats'
 * (on changes and every `statsIntervalMs` while helping), 'refused' (an offer for an egress not on the
 * allow-list was ignored), 'network' (the NAT class and ICE servers it polls with, when they change).
 */

import { IceSource } from '../shared/ice-source.js';
import { TokenBucket } from '../shared/token-bucket.js';
import { TypedEventTarget } from '../shared/typed-events.js';
import { BrokerClient, SignalingError } from '../signaling/client.js';
import type { NatClass } from '../signaling/fields.js';
import { type DeliveredOffer, type InfoResponse, parseEgressUrl } from '../signaling/messages.js';
import { pairingTag } from '../signaling/pairing.js';
import { backoffMs, sleep } from './backoff.js';
import { ClientPath } from './client-path.js';
import type { Conditions, RelayEnv } from './env.js';
import {
  normalizeAllowList,
  type ResolvedVolunteerOptions,
  resolveVolunteerOptions,
  type VolunteerOptions,
} from './options.js';

export type { Conditions, HostConditions, RelayEnv } from './env.js';
export type { VolunteerOptions } from './options.js';

export type RelayState = 'off' | 'connecting' | 'waiting' | 'helping' | 'paused' | 'error';

/**
 * Why the relay is paused: the host is hidden (`pauseWhenHidden`), on battery (`pauseOnBattery`), or the
 * relay has relayed `maxTotalBytes` (for good, until it is built again).
 */
export type PauseReason = 'hidden' | 'battery' | 'total-cap';

/**
 * What is wrong, as a stable code for hosts to word in their own language (`reason` is English detail):
 * - `broker-unreachable`: the broker does not answer (network, wrong host, timeout); it may come back;
 * - `broker-refused`: the broker refuses our requests as wrong (unknown egress, bad request, no such
 *   endpoint): the settings need fixing;
 * - `no-egress`: the broker lists no egress and none is allowed here: the settings need fixing;
 * - `broker-error`: anything else from the broker (overloaded, rate-limited, an unreadable answer);
 * - `webrtc-unavailable`: this environment cannot make peer connections.
 */
export type RelayProblem =
  | 'broker-unreachable'
  | 'broker-refused'
  | 'no-egress'
  | 'broker-error'
  | 'webrtc-unavailable';

export interface RelayStateDetail {
  state: RelayState;
  /** What is wrong ('error', or broker trouble while 'helping'); present exactly when `reason` is. */
  problem?: RelayProblem;
  /** Technical detail in English: e.g. "broker unreachable", "WebRTC unavailable: ...". */
  reason?: string;
  /** Why, exactly when `state` is 'paused'. */
  paused?: PauseReason;
}

export interface RelayStats {
  /** Paths now open or being set up. */
  clients: number;
  /** Clients served since the relay was built. */
  totalClients: number;
  /** Bytes relayed in both directions since the relay was built. */
  bytesRelayed: number;
  state: RelayState;
}

export interface RelayClientDetail {
  egress: string;
  clients: number;
}

export interface RelayRefusedDetail {
  egress: string;
  reason: string;
}

/** The relay's events and the detail each carries. */
export type RelayEvents = {
  state: RelayStateDetail;
  client: RelayClientDetail;
  stats: RelayStats;
  refused: RelayRefusedDetail;
  network: RelayNetworkDetail;
};

/** What the relay tells the broker about its network (signaling-v1 §1 `nat`, §3 ICE servers). */
export interface RelayNetworkDetail {
  readonly nat: NatClass;
  readonly iceServers: number;
  readonly hasTurn: boolean;
}

/** A problem and its detail. */
type Trouble = { problem: RelayProblem; reason: string };

/** The environment cannot make peer connections: polling would only waste clients' time. */
class WebRtcUnavailable extends Error {
  override readonly name = 'WebRtcUnavailable';
}

/** The broker lists no egress and none is allowed: nothing can be relayed. */
class NoEgress extends Error {
  override readonly name = 'NoEgress';
}

/** signaling-v1 §8: pairing cannot be honoured (no WebCrypto, or a broker that ignores the tag). */
class PairingRefused extends Error {
  override readonly name = 'PairingRefused';
}

export class VolunteerRelay extends TypedEventTarget<RelayEvents> {
  readonly #options: ResolvedVolunteerOptions;
  readonly #env: RelayEnv;
  readonly #broker: BrokerClient;
  /** ICE servers (the broker's unless the host named its own) and the NAT class reported on each poll. */
  readonly #ice: IceSource;
  /** The ICE servers of the last poll, for the answer to its offer. */
  #iceServers: RTCIceServer[] = [];
  /**
   * The network last reported in a 'network' event, and so in the last poll: its answers' DTLS role follows
   * its NAT class (path-v1 §1.2).
   */
  #network: RelayNetworkDetail | undefined;
  readonly #limiter: TokenBucket | null;
  readonly #paths = new Set<ClientPath>();
  #allow: string[];
  /** signaling-v1 §4: the broker's name for this volunteer, presented on each poll; none before the first. */
  #ticket: string | undefined;
  /** signaling-v1 §8: the pairing tag sent with every poll, derived once from the code. */
  #pairingTag: string | undefined;
  /** Switched on (start() without stop() or kill() since); the loop runs only while not paused as well. */
  #started = false;
  #run: AbortController | null = null;
  #unwatch: (() => void) | null = null;
  #conditions: Conditions = { hidden: false, onBattery: false };
  #capReached = false;
  #paused: PauseReason | undefined;
  #wake: (() => void) | null = null;
  #statsTimer: ReturnType<typeof setInterval> | null = null;
  #state: RelayState = 'off';
  #trouble: Trouble | undefined;
  /** The pause reason last reported with the state. */
  #statePaused: PauseReason | undefined;
  #brokerTrouble: Trouble | undefined;
  #reachedBroker = false;
  /** The /v1/info #reachBroker read for this turn of the loop: the ICE source takes it rather than read again. */
  #freshInfo: InfoResponse | undefined;
  #totalClients = 0;
  #bytesRelayed = 0;

  constructor(options: VolunteerOptions, env: RelayEnv) {
    super();
    this.#options = resolveVolunteerOptions(options);
    this.#env = env;
    this.#allow = this.#options.allow;
    const fetchFn = env.fetch;
    this.#broker = new BrokerClient(this.#options.broker, {
      fetch: (input, init) => fetchFn(input, init),
      brokerKey: this.#options.brokerKey,
    });
    const own = env.rtcConfig?.iceServers;
    this.#ice = new IceSource({
      info: (signal) => this.#info(signal),
      ...(own !== undefined && own.length > 0 ? { override: own } : {}),
      ...(options.nat === undefined ? {} : { nat: options.nat }),
      ...(env.detectNat === undefined ? {} : { detect: env.detectNat }),
      natRecheckMs: this.#options.natRecheckMs,
    });
    const { maxBytesPerSec, rateBurstBytes } = this.#options;
    this.#limiter = maxBytesPerSec > 0 ? new TokenBucket(maxBytesPerSec, rateBurstBytes) : null;
  }

  get state(): RelayState {
    return this.#state;
  }

  get stats(): RelayStats {
    return {
      clients: this.#paths.size,
      totalClients: this.#totalClients,
      bytesRelayed: this.#bytesRelayed,
      state: this.#state,
    };
  }

  /** Starts polling the broker (unless paused). Does nothing if already started. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (typeof this.#env.RTCPeerConnection !== 'function') {
      this.#setState('error', { problem: 'webrtc-unavailable', reason: 'WebRTC unavailable' });
      return;
    }
    const { pauseWhenHidden: hidden, pauseOnBattery: battery } = this.#options;
    if ((hidden || battery) && this.#env.conditions !== undefined) {
      this.#unwatch = this.#env.conditions.watch({ hidden, battery }, (now) => {
        this.#conditions = now;
        this.#sync();
      });
    }
    this.#sync();
  }

  /** Switches off gracefully: stops polling, GOODBYE on every path, waits `goodbyeGraceMs`, closes (path-v1 §3). */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#switchOff();
    await Promise.all([...this.#paths].map((path) => path.goodbye()));
    // start() may have been called again during the grace: that run owns the state now.
    if (!this.#started) this.#setState('off');
  }

  /** Closes everything at once, without GOODBYE. */
  kill(): void {
    // Also during stop()'s grace, when the run is already halted: close the paths at once.
    this.#switchOff();
    for (const path of [...this.#paths]) path.close('volunteer killed');
    this.#setState('off');
  }

  #switchOff(): void {
    this.#started = false;
    this.#unwatch?.();
    this.#unwatch = null;
    this.#paused = undefined;
    this.#halt();
  }

  /** What pauses the relay now, if anything: the total cap first, then the host's conditions. */
  #pauseReason(): PauseReason | undefined {
    if (this.#capReached) return 'total-cap';
    if (this.#options.pauseWhenHidden && this.#conditions.hidden) return 'hidden';
    if (this.#options.pauseOnBattery && this.#conditions.onBattery) return 'battery';
    return undefined;
  }

  /** Runs the loop while started and not paused; pausing halts it and says GOODBYE on every path (path-v1 §3). */
  #sync(): void {
    if (!this.#started) return;
    const paused = this.#pauseReason();
    if (paused !== undefined) {
      const wasRunning = this.#halt();
      if (wasRunning) for (const path of [...this.#paths]) void path.goodbye();
      if (wasRunning || this.#paused !== paused) {
        this.#paused = paused;
        this.#setState('paused', undefined, paused);
      }
      return;
    }
    this.#paused = undefined;
    if (this.#run !== null) return;
    const run = new AbortController();
    this.#run = run;
    this.#reachedBroker = false;
    this.#brokerTrouble = undefined;
    this.#setState('connecting');
    void this.#loop(run.signal);
  }

  #halt(): boolean {
    const run = this.#run;
    if (run === null) return false;
    this.#run = null;
    run.abort();
    this.#wake?.();
    return true;
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const free = this.#options.maxClients - this.#paths.size;
      if (free <= 0) {
        const woken = new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        await woken;
        // Once halted, a newer run (stop then start) may have installed its own wake-up: leave that one.
        if (!signal.aborted) this.#wake = null;
        continue;
      }
      try {
        if (!this.#reachedBroker) await this.#reachBroker(signal);
        const ticket = this.#ticket === undefined ? {} : { ticket: this.#ticket };
        const pairing = await this.#pairing();
        const view = await this.#ice.current(signal);
        this.#freshInfo = undefined;
        this.#iceServers = view.iceServers;
        const network = { nat: view.nat, iceServers: view.iceServers.length, hasTurn: view.hasTurn };
        if (JSON.stringify(network) !== JSON.stringify(this.#network)) {
          this.#network = network;
          this.emit('network', network);
        }
        const polled = await this.#broker.poll(
          { ...ticket, ...pairing, nat: view.nat, egress: this.#allow },
          signal,
        );
        const { offer, retryAfterMs } = polled;
        this.#ticket = polled.ticket;
        // A broker that ignores the tag would hand this volunteer to strangers: answer none of its offers.
        if (pairing.pairing !== undefined && polled.paired !== true)
          throw new PairingRefused('the broker does not support pairing (signaling-v1 §8)');
        failures = 0;
        if (offer !== null) await this.#accept(offer, signal);
        else await sleep(retryAfterMs, signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof WebRtcUnavailable) {
          this.#setState('error', { problem: 'webrtc-unavailable', reason: error.message });
          return;
        }
        failures += 1;
        this.#reachedBroker = false;
        this.#brokerTrouble = brokerTrouble(error);
        this.#refreshState();
        const hint = error instanceof SignalingError ? error.retryAfterMs : undefined;
        await sleep(
          backoffMs(failures, this.#options.backoffMinMs, this.#options.backoffMaxMs, hint),
          signal,
        );
      }
    }
  }

  /** signaling-v1 §8: the `pairing` field of a poll, empty when this volunteer serves the public pool. */
  async #pairing(): Promise<{ pairing?: string }> {
    const code = this.#options.pairing;
    if (code === undefined) return {};
    try {
      this.#pairingTag ??= await pairingTag(code);
    } catch (error) {
      throw new PairingRefused(error instanceof Error ? error.message : String(error));
    }
    return { pairing: this.#pairingTag };
  }

  /** signaling-v1 §3 for the ICE source: the read #reachBroker just made, else a new one. */
  #info(signal?: AbortSignal): Promise<InfoResponse> {
    const fresh = this.#freshInfo;
    this.#freshInfo = undefined;
    return fresh === undefined ? this.#broker.info(signal) : Promise.resolve(fresh);
  }

  /** signaling-v1 §3: proves the broker answers, and fetches its egress list once if we have none. */
  async #reachBroker(signal: AbortSignal): Promise<void> {
    const info = await this.#broker.info(signal);
    this.#freshInfo = info;
    if (this.#allow.length === 0) {
      const allow = normalizeAllowList(info.egress);
      if (allow.length === 0) throw new NoEgress('the broker lists no egress and none is allowed');
      this.#allow = allow;
    }
    this.#reachedBroker = true;
    this.#brokerTrouble = undefined;
    this.#refreshState();
  }

  /** signaling-v1 §4–5: answer an offer, unless its egress is not ours to reach (path-v1 §1). */
  async #accept(offer: DeliveredOffer, signal: AbortSignal): Promise<void> {
    const egress = parseEgressUrl(offer.egress);
    if (egress === undefined || !this.#allow.includes(egress)) {
      // No answer at all: a stranger's offer for another egress learns nothing of this volunteer.
      this.emit('refused', { egress: offer.egress, reason: 'egress not on the allow-list' });
      return;
    }
    // signaling-v1 §4 `relay`: the client offered relay candidates only, and expects the same back.
    const rtcConfig: RTCConfiguration = {
      ...this.#env.rtcConfig,
      iceServers: this.#iceServers,
      ...(offer.relay === true ? { iceTransportPolicy: 'relay' as const } : {}),
    };
    const path = this.#newPath(egress, rtcConfig);
    try {
      const sdp = await path.answer(offer.sdp, {
        nat: this.#network?.nat ?? 'unknown',
        relay: offer.relay === true,
      });
      if (signal.aborted) throw signal.reason;
      await this.#broker.answer(offer.id, sdp, signal);
      path.answered();
    } catch (error) {
      path.close('answer failed');
      // A client that gave up (unknown-offer) costs nothing; an unreachable broker is the loop's business.
      if (error instanceof SignalingError && error.code === 'unreachable') throw error;
    }
  }

  #newPath(egress: string, rtcConfig: RTCConfiguration): ClientPath {
    let path: ClientPath;
    try {
      path = new ClientPath(egress, { ...this.#env, rtcConfig }, this.#options, this.#limiter, {
        onOpen: () => {
          this.#totalClients += 1;
          this.emit('client', { egress, clients: this.#paths.size });
          this.#emitStats();
        },
        onBytes: (bytes) => {
          this.#bytesRelayed += bytes;
          const cap = this.#options.maxTotalBytes;
          if (cap > 0 && this.#bytesRelayed >= cap && !this.#capReached) {
            this.#capReached = true;
            // Not from inside the forwarder's send: GOODBYE goes out on the same sinks.
            queueMicrotask(() => this.#sync());
          }
        },
        onEnd: () => {
          this.#paths.delete(path);
          this.#wake?.();
          this.#refreshState();
          this.#emitStats();
        },
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new WebRtcUnavailable(`WebRTC unavailable: ${message}`);
    }
    this.#paths.add(path);
    this.#refreshState();
    this.#emitStats();
    return path;
  }

  /** Helping wins over everything while a client is served; then broker trouble; then waiting. */
  #refreshState(): void {
    if (this.#run === null || this.#state === 'off') return;
    if (this.#paths.size > 0) this.#setState('helping', this.#brokerTrouble);
    else if (this.#brokerTrouble !== undefined) this.#setState('error', this.#brokerTrouble);
    else this.#setState(this.#reachedBroker ? 'waiting' : 'connecting');
  }

  #setState(state: RelayState, trouble?: Trouble, paused?: PauseReason): void {
    const now = this.#trouble;
    const same = trouble?.problem === now?.problem && trouble?.reason === now?.reason;
    if (state === this.#state && same && paused === this.#statePaused) return;
    this.#state = state;
    this.#trouble = trouble;
    this.#statePaused = paused;
    const detail: RelayStateDetail = trouble === undefined ? { state } : { state, ...trouble };
    this.emit('state', paused === undefined ? detail : { ...detail, paused });
    this.#syncStatsTimer();
  }

  #emitStats(): void {
    this.#syncStatsTimer();
    this.emit('stats', this.stats);
  }

  #syncStatsTimer(): void {
    const wanted = this.#paths.size > 0;
    if (wanted && this.#statsTimer === null) {
      this.#statsTimer = setInterval(() => this.#emitStats(), this.#options.statsIntervalMs);
    } else if (!wanted && this.#statsTimer !== null) {
      clearInterval(this.#statsTimer);
      this.#statsTimer = null;
    }
  }
}

/** Broker answers that mean our settings are wrong, not that the broker is in trouble (signaling-v1 §1). */
const REFUSALS: ReadonlySet<string> = new Set(['bad-request', 'unknown-egress', 'not-found']);

function brokerTrouble(error: unknown): Trouble {
  if (error instanceof NoEgress) return { problem: 'no-egress', reason: `broker: ${error.message}` };
  if (error instanceof PairingRefused)
    return { problem: 'broker-refused', reason: `pairing: ${error.message}` };
  if (!(error instanceof SignalingError)) {
    return {
      problem: 'broker-error',
      reason: `broker: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (error.code === 'unreachable') return { problem: 'broker-unreachable', reason: 'broker unreachable' };
  const problem = REFUSALS.has(error.code) ? 'broker-refused' : 'broker-error';
  return { problem, reason: `broker: ${error.code} (${error.message})` };
}
