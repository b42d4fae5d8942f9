/**
 * The extension's relay page (src/extension/relay-host.ts) on Node: the widget's controller over the real relay
 * core, a fake broker and a real client on 127.0.0.1. Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/extension/relay-host.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RelayEvent, Snapshot } from '../../src/extension/messages.js';
import { RelayHost } from '../../src/extension/relay-host.js';
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

test('switched off while helping, the relay page sends no snapshot that contradicts the switch', async (t) => {
  Object.defineProperty(globalThis, 'document', { value: fakeDocument(), configurable: true });
  const egress = await startEchoEgress();
  const broker = await startFakeBroker({ egress: [egress.url] });
  const events: RelayEvent[] = [];
  const host = new RelayHost(
    (event) => events.push(event),
    () => nodeRelayEnv({ bindAddress: '127.0.0.1' }),
  );
  const settings = { 'data-broker': broker.url, 'data-egress': egress.url };
  let client: TestClient | undefined;
  t.after(async () => {
    host.apply({ on: false, settings });
    client?.close();
    await egress.close();
    await broker.close();
  });
  host.apply({ on: true, settings });
  client = await connectWhenWaiting(broker, egress.url);
  await until(() => host.snapshot.status.state === 'helping', 'the relay page to help the client');
  await until(() => host.snapshot.stats.helping === 1, 'the count of one client');

  events.length = 0;
  host.apply({ on: false, settings });
  const snapshots = events
    .filter((e): e is { type: 'snapshot'; snapshot: Snapshot } => e.type === 'snapshot')
    .map((e) => e.snapshot);
  assert.ok(snapshots.length > 0, 'the switch-off is reported at once');
  for (const { status, stats } of snapshots) {
    // The background has already shown 'off': one {helping, on: true} here flips the popup and the badge back.
    const seen = JSON.stringify(snapshots.map((s) => [s.status.state, s.status.on, s.stats.helping]));
    assert.deepEqual({ state: status.state, on: status.on }, { state: 'off', on: false }, seen);
    assert.equal(stats.helping, 0, seen);
  }
  await until(() => events.some((e) => e.type === 'stopped'), 'the goodbye to end');
});
