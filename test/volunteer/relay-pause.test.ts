/**
 * The relay core's pause options (src/volunteer/relay.ts): `pauseWhenHidden` and `pauseOnBattery` follow the
 * host's conditions (RelayEnv.conditions), off by default; a pause says GOODBYE on every path and stops
 * polling, and the end of it polls again. Real WebRTC (node-datachannel) and WebSockets; only the host's
 * conditions are driven by the test. Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/volunteer/relay-pause.test.ts
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import type { Conditions, HostConditions } from '../../src/volunteer/env.js';
import { nodeRelayEnv } from '../../src/volunteer/node.js';
import { type RelayStateDetail, type VolunteerOptions, VolunteerRelay } from '../../src/volunteer/relay.js';
import { until } from '../helpers/until.js';
import { startFakeBroker } from './fake-broker.js';
import { startEchoEgress } from './harness.js';
import { connectWhenWaiting } from './relay-suite.js';

/** Conditions the test sets; records what the relay asked to watch. */
class TestConditions implements HostConditions {
  now: Conditions = { hidden: false, onBattery: false };
  watched: { hidden: boolean; battery: boolean }[] = [];
  #listeners = new Set<(now: Conditions) => void>();

  watch(wants: { hidden: boolean; battery: boolean }, onChange: (now: Conditions) => void): () => void {
    this.watched.push(wants);
    this.#listeners.add(onChange);
    onChange({ ...this.now });
    return () => this.#listeners.delete(onChange);
  }

  set(change: Partial<Conditions>): void {
    this.now = { ...this.now, ...change };
    for (const listener of this.#listeners) listener({ ...this.now });
  }

  get watching(): number {
    return this.#listeners.size;
  }
}

async function setup(t: TestContext, options: Partial<VolunteerOptions>) {
  const egress = await startEchoEgress();
  const broker = await startFakeBroker({ egress: [egress.url], pollTimeoutMs: 50 });
  const conditions = new TestConditions();
  const relay = new VolunteerRelay(
    { broker: broker.url, allow: [egress.url], goodbyeGraceMs: 100, ...options },
    { ...nodeRelayEnv({ bindAddress: '127.0.0.1' }), conditions },
  );
  const states: RelayStateDetail[] = [];
  relay.addEventListener('state', (e) => states.push(e.detail));
  t.after(async () => {
    relay.kill();
    await egress.close();
    await broker.close();
  });
  return { egress, broker, conditions, relay, states };
}

describe('volunteer relay pauses', () => {
  test('by default it watches nothing and runs hidden and on battery', async (t) => {
    const f = await setup(t, {});
    f.conditions.set({ hidden: true, onBattery: true });
    f.relay.start();
    await until(() => f.relay.state === 'waiting', 'polling');
    assert.deepEqual(f.conditions.watched, []);
  });

  test('pauseWhenHidden: GOODBYE to the client and no polls while hidden; polls again when visible', async (t) => {
    const f = await setup(t, { pauseWhenHidden: true });
    f.relay.start();
    assert.deepEqual(f.conditions.watched, [{ hidden: true, battery: false }]);
    const client = await connectWhenWaiting(f.broker, f.egress.url, f.relay);
    t.after(() => client.close());
    await until(() => f.relay.state === 'helping', 'helping');
    f.conditions.set({ hidden: true });
    assert.equal(f.relay.state, 'paused');
    assert.deepEqual(f.states.at(-1), { state: 'paused', paused: 'hidden' });
    await until(() => client.log.closed, 'the path to close');
    assert.deepEqual([...(client.log.messages.at(-1) ?? [])], [0x01, 0x7e], 'GOODBYE first');
    const polls = f.broker.polls.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(f.broker.polls.length, polls, 'no poll while paused');
    f.conditions.set({ hidden: false });
    await until(() => f.relay.state === 'waiting' && f.broker.polls.length > polls, 'polling again');
  });

  test('pauseOnBattery follows the battery; stop() stops watching', async (t) => {
    const f = await setup(t, { pauseOnBattery: true });
    f.conditions.set({ onBattery: true });
    f.relay.start();
    assert.deepEqual(f.conditions.watched, [{ hidden: false, battery: true }]);
    assert.deepEqual(f.states, [{ state: 'paused', paused: 'battery' }]);
    f.conditions.set({ hidden: true }); // not asked for: changes nothing
    assert.equal(f.relay.state, 'paused');
    f.conditions.set({ onBattery: false });
    await until(() => f.relay.state === 'waiting', 'polling once plugged in');
    await f.relay.stop();
    assert.equal(f.relay.state, 'off');
    assert.equal(f.conditions.watching, 0);
  });
});
