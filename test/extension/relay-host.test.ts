/**
 * The extension's relay page (src/extension/relay-host.ts) on Node: the widget's controller over the real relay
 * core, a fake broker and a real client on 127.0.0.1. Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/extension/relay-host.test.ts
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { RelayEvent, Snapshot } from '../../src/extension/messages.js';
import { RelayHost } from '../../src/extension/relay-host.js';
import type { ExtensionSettings } from '../../src/extension/settings.js';
import { nodeRelayEnv } from '../../src/volunteer/node.js';
import { until } from '../helpers/until.js';
import { startFakeBroker } from '../volunteer/fake-broker.js';
import { startEchoEgress, type TestClient } from '../volunteer/harness.js';
import { connectWhenWaiting } from '../volunteer/relay-suite.js';

/** parseSettings only needs an element to carry the attributes; Node has no DOM. */
function fakeDocument(): Document {
  return {
    createElement: () => {
      const attributes = new Map<string, string>();
      return {
        setAttribute: (name: string, value: string) => attributes.set(name, value),
        getAttribute: (name: string) => attributes.get(name) ?? null,
      };
    },
  } as unknown as Document;
}

/** A RelayHost on Node whose relay helps one client now. */
async function helpingHost(t: TestContext, settings: ExtensionSettings) {
  Object.defineProperty(globalThis, 'document', { value: fakeDocument(), configurable: true });
  const egress = await startEchoEgress();
  const broker = await startFakeBroker({ egress: [egress.url] });
  const events: RelayEvent[] = [];
  const host = new RelayHost(
    (event) => events.push(event),
    () => nodeRelayEnv({ bindAddress: '127.0.0.1' }),
  );
  const config = { ...settings, 'data-broker': broker.url, 'data-egress': egress.url };
  let client: TestClient | undefined;
  t.after(async () => {
    host.apply({ on: false, settings: config });
    client?.close();
    await egress.close();
    await broker.close();
  });
  host.apply({ on: true, settings: config });
  client = await connectWhenWaiting(broker, egress.url);
  await until(() => host.snapshot.status.state === 'helping', 'the relay page to help the client');
  await until(() => host.snapshot.stats.helping === 1, 'the count of one client');
  events.length = 0;
  return { host, events, settings: config };
}

/** The snapshots among `events`. */
function snapshots(events: RelayEvent[]): Snapshot[] {
  return events
    .filter((e): e is { type: 'snapshot'; snapshot: Snapshot } => e.type === 'snapshot')
    .map((e) => e.snapshot);
}

/** Every snapshot says off, with no one helped: the background has already shown 'off' (badge, popup). */
function assertAllOff(sent: Snapshot[]): void {
  const seen = JSON.stringify(sent.map((s) => [s.status.state, s.status.on, s.stats.helping]));
  assert.ok(sent.length > 0, 'the switch-off is reported at once');
  for (const { status, stats } of sent) {
    // One {helping, on: true} here flips the popup's switch and the badge back for a message.
    assert.deepEqual({ state: status.state, on: status.on }, { state: 'off', on: false }, seen);
    assert.equal(stats.helping, 0, seen);
  }
}

test('switched off while helping, the relay page sends no snapshot that contradicts the switch', async (t) => {
  const { host, events, settings } = await helpingHost(t, {});
  host.apply({ on: false, settings });
  assertAllOff(snapshots(events));
  await until(() => events.some((e) => e.type === 'stopped'), 'the goodbye to end');
});

test('switched off with new settings at once, the relay page sends one snapshot, off', async (t) => {
  // The options page and the switch change storage together: one apply() carries both.
  const { host, events, settings } = await helpingHost(t, { 'data-max-clients': '3' });
  host.apply({ on: false, settings: { ...settings, 'data-max-clients': '2' } });
  const sent = snapshots(events);
  assertAllOff(sent);
  assert.equal(sent.length, 1, 'one apply(), one snapshot');
  await until(() => events.some((e) => e.type === 'stopped'), 'the goodbye to end');
});
