/**
 * Page side of the browser relay stand-in (test/widget/browser-relay.ts): bundled by esbuild for the
 * browser exactly as the widget is (scripts/build-widget.mjs settings), it runs VolunteerRelay on the page's
 * own RTCPeerConnection, WebSocket and fetch, and reports every event with a snapshot of state and stats to
 * the Node binding `starlingRelayReport`. Test-only: it sets one global, `starlingRelayPage`.
 */
import type { RelayEnv } from '../../src/volunteer/env.js';
import {
  type RelayState,
  type RelayStats,
  type VolunteerOptions,
  VolunteerRelay,
} from '../../src/volunteer/relay.js';

export interface Snapshot {
  state: RelayState;
  stats: RelayStats;
}

export interface RelayPage {
  create(id: number, options: VolunteerOptions, webRtc: boolean): Snapshot;
  start(id: number): void;
  stop(id: number): Promise<Snapshot>;
  kill(id: number): Snapshot;
}

type Report = (id: number, type: string, detail: unknown, snapshot: Snapshot) => void;

/** How often stats are re-sent while they change without an event (bytes), ms. */
const SNAPSHOT_EVERY_MS = 5;

const scope = globalThis as unknown as { starlingRelayReport: Report; starlingRelayPage: RelayPage };
const relays = new Map<number, VolunteerRelay>();
const timers = new Map<number, ReturnType<typeof setInterval>>();

function snapshot(relay: VolunteerRelay): Snapshot {
  return { state: relay.state, stats: relay.stats };
}

function relay(id: number): VolunteerRelay {
  const found = relays.get(id);
  if (found === undefined) throw new Error(`no relay ${id}`);
  return found;
}

scope.starlingRelayPage = {
  create(id, options, webRtc) {
    const env: RelayEnv = {
      RTCPeerConnection: webRtc ? RTCPeerConnection : (undefined as unknown as RelayEnv['RTCPeerConnection']),
      WebSocket,
      fetch,
    };
    const created = new VolunteerRelay(options, env);
    relays.set(id, created);
    for (const type of ['state', 'stats', 'client', 'refused'] as const) {
      created.addEventListener(type, (event) =>
        scope.starlingRelayReport(id, type, (event as CustomEvent).detail, snapshot(created)),
      );
    }
    let last = '';
    const timer = setInterval(() => {
      const now = snapshot(created);
      const text = JSON.stringify(now);
      if (text !== last) scope.starlingRelayReport(id, 'snapshot', null, now);
      last = text;
    }, SNAPSHOT_EVERY_MS);
    timers.set(id, timer);
    return snapshot(created);
  },
  start: (id) => relay(id).start(),
  stop: async (id) => {
    await relay(id).stop();
    return snapshot(relay(id));
  },
  kill: (id) => {
    relay(id).kill();
    clearInterval(timers.get(id));
    return snapshot(relay(id));
  },
};
