/**
 * The widget's behaviour without its DOM: runs the volunteer relay core (src/volunteer/relay.ts, unchanged)
 * while the reader wants it on, the settings are usable and the tab may run; rebuilds it when relay
 * settings change; says goodbye whenever it stops one (path-v1 §3); keeps the counts the view shows.
 */
import type { RelayEnv } from '../volunteer/env.js';
import {
  type PauseReason,
  type RelayClientDetail,
  type RelayProblem,
  type RelayStateDetail,
  type RelayStats,
  VolunteerRelay,
} from '../volunteer/relay.js';
import type { RelaySettings } from './settings.js';
import { addHelped, readHelped } from './storage.js';

export type BridgeState = 'off' | 'connecting' | 'waiting' | 'helping' | 'paused' | 'error';
/** What an error is about, so the view can say what to do. */
export type BridgeProblem = 'broker' | 'webrtc' | 'config' | 'other';

export interface BridgeStatus {
  state: BridgeState;
  /** The reader's choice: the switch is on. */
  on: boolean;
  problem?: BridgeProblem;
  /** Technical detail of a problem, in English, for site operators. */
  reason?: string;
  /** Why, exactly when `state` is 'paused': the tab is hidden, the device on battery, the total cap reached. */
  pausedBy?: PauseReason;
}

export interface BridgeStats {
  /** People served right now. */
  helping: number;
  /** People helped in total in this browser (kept in localStorage). */
  totalHelped: number;
  /** Bytes relayed, both directions, since this page was opened. */
  bytesRelayed: number;
}

export interface ControllerHooks {
  status(status: BridgeStatus): void;
  stats(stats: BridgeStats): void;
  /** Someone new is being served. */
  client(): void;
}

/** Builds the browser's RelayEnv; a function so that a browser without WebRTC is found out at start. */
export type EnvFactory = (iceServers: string[]) => RelayEnv;

export class BridgeController {
  readonly #hooks: ControllerHooks;
  readonly #makeEnv: EnvFactory;
  readonly #stopping = new Set<Promise<void>>();
  #relay: VolunteerRelay | null = null;
  #relayKey = '';
  #listeners: AbortController | null = null;
  #settings: RelaySettings | { problem: string } = { problem: 'not configured yet' };
  #settingsKey = '';
  #on = false;
  #hiddenPause = false;
  #attached = false;
  #status: BridgeStatus = { state: 'off', on: false };
  #bytesBefore = 0;
  #stats: BridgeStats = { helping: 0, totalHelped: readHelped(), bytesRelayed: 0 };
  /** The counts the hooks last heard of. */
  #toldStats: BridgeStats = this.#stats;

  constructor(makeEnv: EnvFactory, hooks: ControllerHooks) {
    this.#makeEnv = makeEnv;
    this.#hooks = hooks;
  }

  get status(): BridgeStatus {
    return { ...this.#status };
  }

  /** The counts now (the relay reports bytes only every `statsIntervalMs`; this reads them live). */
  get stats(): BridgeStats {
    const live = this.#relay?.stats;
    if (live === undefined) return { ...this.#stats };
    return { ...this.#stats, helping: live.clients, bytesRelayed: this.#bytesBefore + live.bytesRelayed };
  }

  get on(): boolean {
    return this.#on;
  }

  configure(settings: RelaySettings | { problem: string }, key: string): void {
    this.#settings = settings;
    this.#settingsKey = key;
    this.#sync();
  }

  setOn(on: boolean): Promise<void> {
    this.#on = on;
    this.#sync();
    return this.#settled();
  }

  /** The page is frozen in the back/forward cache: nothing may run. (The relay pauses for hidden tabs itself.) */
  setPaused(paused: boolean): void {
    this.#hiddenPause = paused;
    this.#sync();
  }

  /** The element is in a document; a detached widget relays for no one. */
  setAttached(attached: boolean): Promise<void> {
    this.#attached = attached;
    this.#sync();
    return this.#settled();
  }

  /** Resolves once every relay being switched off has said goodbye and closed. */
  async #settled(): Promise<void> {
    await Promise.all([...this.#stopping]);
  }

  #sync(): void {
    const settings = this.#settings;
    const run = this.#on && this.#attached && !this.#hiddenPause && !('problem' in settings);
    if (this.#relay !== null && (!run || this.#relayKey !== this.#settingsKey)) this.#retire();
    if (run && this.#relay === null) this.#launch(settings);
    if (this.#relay === null) {
      if (!this.#on) this.#setStatus({ state: 'off', on: false });
      else if ('problem' in settings) {
        this.#setStatus({ state: 'error', on: true, problem: 'config', reason: settings.problem });
      } else if (this.#hiddenPause) this.#setStatus({ state: 'paused', on: true, pausedBy: 'hidden' });
      else if (!this.#attached) this.#setStatus({ state: 'off', on: true });
    }
    // A retired relay's counts are told only now, after the status: a hook that reads both (the extension's
    // relay page sends them as one snapshot) must never see the old 'helping', on, with no one helped.
    if (this.#stats !== this.#toldStats) this.#tellStats();
  }

  #launch(settings: RelaySettings): void {
    let relay: VolunteerRelay;
    try {
      relay = new VolunteerRelay(settings.options, this.#makeEnv(settings.iceServers));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#setStatus({ state: 'error', on: true, problem: 'config', reason });
      return;
    }
    const listeners = new AbortController();
    const { signal } = listeners;
    relay.addEventListener('state', (e) => this.#setStatus(bridgeStatus(e.detail)), { signal });
    relay.addEventListener('stats', (e) => this.#onStats(e.detail), { signal });
    relay.addEventListener('client', (e) => this.#onClient(e.detail), { signal });
    this.#relay = relay;
    this.#relayKey = this.#settingsKey;
    this.#listeners = listeners;
    relay.start();
  }

  /** Detaches the relay and switches it off gracefully; its bytes stay counted. */
  #retire(): void {
    const relay = this.#relay;
    if (relay === null) return;
    this.#relay = null;
    this.#listeners?.abort();
    this.#listeners = null;
    this.#bytesBefore += relay.stats.bytesRelayed;
    const stopping = relay.stop().catch(() => relay.kill());
    this.#stopping.add(stopping);
    void stopping.then(() => this.#stopping.delete(stopping));
    // Not told yet: #sync tells the counts after the status.
    this.#stats = { ...this.#stats, helping: 0, bytesRelayed: this.#bytesBefore };
  }

  #onStats(stats: RelayStats): void {
    this.#setStats({ helping: stats.clients, bytesRelayed: this.#bytesBefore + stats.bytesRelayed });
  }

  #onClient(detail: RelayClientDetail): void {
    this.#setStats({ helping: detail.clients, totalHelped: addHelped() });
    this.#hooks.client();
  }

  #setStatus(status: BridgeStatus): void {
    const now = this.#status;
    if (
      now.state === status.state &&
      now.on === status.on &&
      now.reason === status.reason &&
      now.pausedBy === status.pausedBy
    )
      return;
    this.#status = status;
    this.#hooks.status({ ...status });
  }

  #setStats(change: Partial<BridgeStats>): void {
    const next = { ...this.#stats, ...change };
    const now = this.#stats;
    if (
      next.helping === now.helping &&
      next.totalHelped === now.totalHelped &&
      next.bytesRelayed === now.bytesRelayed
    )
      return;
    this.#stats = next;
    this.#tellStats();
  }

  #tellStats(): void {
    const told = this.#toldStats;
    const now = this.#stats;
    this.#toldStats = now;
    if (
      now.helping === told.helping &&
      now.totalHelped === told.totalHelped &&
      now.bytesRelayed === told.bytesRelayed
    )
      return;
    this.#hooks.stats({ ...now });
  }
}

/** What the reader is told about each of the relay's problems (relay.ts): the settings, or the network. */
const BRIDGE_PROBLEM: Record<RelayProblem, BridgeProblem> = {
  'broker-unreachable': 'broker',
  'webrtc-unavailable': 'webrtc',
  'broker-refused': 'config',
  'no-egress': 'config',
  'broker-error': 'other',
};

/** The relay's state as the reader should see it. */
function bridgeStatus({ state, problem, reason, paused }: RelayStateDetail): BridgeStatus {
  if (state === 'paused') return { state, on: true, ...(paused === undefined ? {} : { pausedBy: paused }) };
  const detail = reason === undefined ? {} : { reason };
  if (state !== 'error') return { state, on: true, ...detail };
  return { state, on: true, problem: BRIDGE_PROBLEM[problem ?? 'broker-error'], ...detail };
}
