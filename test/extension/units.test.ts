/** Pure parts of the extension: the badge for each state, and the checks on messages between its pages. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExtensionApi, StorageChange } from '../../src/extension/api.js';
import { Background } from '../../src/extension/background.js';
import { badgeFor } from '../../src/extension/badge.js';
import {
  isRelayEvent,
  isToBackground,
  isToPopup,
  isToRelay,
  POPUP_PORT,
  type RelayConfig,
  type RelayEvent,
  type Snapshot,
} from '../../src/extension/messages.js';
import { RemoteControl } from '../../src/extension/remote-control.js';
import type { BridgeStatus, ControllerHooks } from '../../src/widget/controller.js';

const stats = { helping: 0, totalHelped: 0, bytesRelayed: 0 };

test('the badge: nothing when off, "on" while waiting, the people helped now, "!" on an error', () => {
  const badge = (snapshot: Snapshot) => badgeFor(snapshot, undefined, ['en-US']);
  assert.deepEqual(badge({ status: { state: 'off', on: false }, stats }), {
    text: '',
    color: '#586274',
    title: 'Starling: Off. Turn it on to help.',
  });
  assert.equal(badge({ status: { state: 'connecting', on: true }, stats }).text, 'on');
  assert.equal(badge({ status: { state: 'waiting', on: true }, stats }).text, 'on');
  const helping = badge({
    status: { state: 'helping', on: true },
    stats: { ...stats, helping: 3, totalHelped: 12 },
  });
  assert.equal(helping.text, '3');
  assert.equal(helping.title, 'Starling: You are helping 3 people right now.\nPeople helped: 12');
  const down = badge({ status: { state: 'error', on: true, problem: 'broker' }, stats });
  assert.equal(down.text, '!');
  assert.match(down.title, /Cannot reach the Starling service/);
});

test("the badge speaks the settings' language, else the browser's", () => {
  const snapshot: Snapshot = { status: { state: 'helping', on: true }, stats: { ...stats, helping: 2 } };
  assert.equal(badgeFor(snapshot, 'fa', ['en-US']).text, '۲');
  assert.match(badgeFor(snapshot, undefined, ['ru-RU']).title, /помогаете/);
});

test('messages between the pages are checked on arrival', () => {
  const snapshot = { status: { state: 'waiting', on: true }, stats };
  assert.ok(isRelayEvent({ type: 'snapshot', snapshot }));
  assert.ok(isRelayEvent({ type: 'stopped' }));
  assert.ok(!isRelayEvent({ type: 'snapshot', snapshot: { status: { state: 'waiting' }, stats } }));
  assert.ok(!isRelayEvent({ type: 'apply' }));
  assert.ok(!isRelayEvent(null));
  assert.ok(isToRelay({ type: 'apply', config: { on: true, settings: {} } }));
  assert.ok(!isToRelay({ type: 'apply', config: { on: 'yes', settings: {} } }));
  assert.ok(isToPopup({ type: 'client' }));
  assert.ok(!isToPopup({ type: 'snapshot' }));
  assert.ok(isToBackground({ type: 'set-on', on: false }));
  assert.ok(!isToBackground({ type: 'set-on', on: 1 }));
});

test('the popup switch is not flipped back by a snapshot the background sent before it took the switch', async () => {
  const sent: unknown[] = [];
  let deliver: ((message: unknown) => void) | undefined;
  const port = {
    name: POPUP_PORT,
    postMessage: (m: unknown) => sent.push(m),
    disconnect: () => {},
    onMessage: { addListener: (f: (m: unknown) => void) => (deliver = f) },
    onDisconnect: { addListener: () => {} },
  };
  const api = { runtime: { connect: () => port } } as unknown as ExtensionApi;
  const statuses: BridgeStatus[] = [];
  const control = new RemoteControl(api, {
    status: (s: BridgeStatus) => statuses.push(s),
    stats: () => {},
    client: () => {},
  } as unknown as ControllerHooks);
  const helping: Snapshot = { status: { state: 'helping', on: true }, stats: { ...stats, helping: 1 } };
  deliver?.({ type: 'snapshot', snapshot: helping });
  assert.equal(control.on, true);
  const switched = control.setOn(false);
  assert.deepEqual(sent, [{ type: 'set-on', on: false }]);
  assert.equal(control.on, false, 'the switch moves at once');
  // Sent before the background read the switch: its counts count, its status does not.
  deliver?.({ type: 'snapshot', snapshot: { ...helping, stats: { ...stats, helping: 1, bytesRelayed: 9 } } });
  assert.equal(control.on, false, 'a stale snapshot does not flip it back');
  assert.equal(control.stats.bytesRelayed, 9);
  deliver?.({ type: 'snapshot', snapshot: { status: { state: 'off', on: false }, stats } });
  await switched;
  assert.equal(statuses.at(-1)?.state, 'off');
  deliver?.({ type: 'snapshot', snapshot: helping });
  assert.equal(control.on, true, 'once taken, the background speaks again');
});

test('the badge follows the relay: "on" while waiting, the count once a client is taken, again after a restart', async () => {
  // Node 20 has no navigator; the service worker does.
  Object.defineProperty(globalThis, 'navigator', { value: { languages: ['en-US'] }, configurable: true });
  const stored: Record<string, unknown> = {};
  const badges: string[] = [];
  const changed: ((changes: Record<string, StorageChange>, area: string) => void)[] = [];
  const none = { addListener: () => {} };
  const api = {
    runtime: { onConnect: none, onStartup: none, onInstalled: none },
    storage: {
      local: {
        get: async (keys: string[]) =>
          Object.fromEntries(keys.filter((k) => k in stored).map((k) => [k, stored[k]])),
        set: async (items: Record<string, unknown>) => {
          Object.assign(stored, items);
          const changes = Object.fromEntries(Object.entries(items).map(([k, v]) => [k, { newValue: v }]));
          for (const f of changed) f(changes, 'local');
        },
      },
      onChanged: { addListener: (f: (typeof changed)[number]) => changed.push(f) },
    },
    action: {
      setBadgeText: async ({ text }: { text: string }) => void badges.push(text),
      setBadgeBackgroundColor: async () => {},
      setTitle: async () => {},
    },
  } as unknown as ExtensionApi;
  const settle = () => new Promise((r) => setTimeout(r, 10));
  const start = () => {
    let report: (event: RelayEvent) => void = () => {};
    const applied: RelayConfig[] = [];
    const background = new Background(api, (onEvent) => {
      report = onEvent;
      return { apply: (config) => applied.push(config) };
    });
    const relay = (state: 'waiting' | 'helping', helping: number) =>
      report({ type: 'snapshot', snapshot: { status: { state, on: true }, stats: { ...stats, helping } } });
    return { background, applied, relay };
  };
  const first = start();
  await settle();
  assert.equal(badges.at(-1), '', 'off');
  await first.background.setOn(true);
  await settle();
  assert.equal(first.applied.at(-1)?.on, true);
  assert.equal(badges.at(-1), 'on', 'connecting');
  first.relay('waiting', 0);
  assert.equal(badges.at(-1), 'on', 'waiting at the broker');
  // A client already asking is taken the moment the relay reaches the broker: "1" at once, and rightly.
  first.relay('helping', 1);
  assert.equal(badges.at(-1), '1');
  first.relay('waiting', 0);
  assert.equal(badges.at(-1), 'on', 'the client left');
  first.relay('helping', 1);
  // A woken service worker starts from the stored switch and shows the relay's count once it reports.
  changed.length = 0;
  const again = start();
  await settle();
  assert.equal(again.applied.at(-1)?.on, true);
  assert.equal(badges.at(-1), 'on');
  again.relay('helping', 1);
  assert.equal(badges.at(-1), '1');
});
