/**
 * signaling-v1 §12 "Sources through the tunnel" on the real HTTP broker: a request that carries the egress
 * token and a session id counts under that session, so two sessions behind one egress have their own rate
 * limit, within the egress's overall budget; one without the right token counts by its address whatever
 * session it names; and a hostile session's unanswered offers and outcome reports touch no other session's
 * record. Each request comes from the address in `x-test-source` (the tests' stand-in for the TCP peer).
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { createBrokerServer } from '../../src/broker/http.js';
import { volunteerKey } from '../../src/broker/outcomes.js';
import type { BrokerOptions } from '../../src/shared/limits.js';
import { BrokerClient } from '../../src/signaling/client.js';
import { EGRESS_TOKEN_HEADER, SESSION_HEADER } from '../../src/signaling/tunnel-source.js';
import { EGRESS, isCode } from './helpers.js';

const TOKEN = 'k3Yv9bq1T0m2sX8wQe4rN6uJ5hG7fD0aZc_LpO-iE2s';
const EGRESS_ADDRESS = '192.0.2.10';
const session = (n: number) => `session${String(n).padStart(15, '0')}`;
const POLL = { nat: 'public' as const, egress: [EGRESS] };
const OFFER = { nat: 'public' as const, sdp: 'v=0 offer' };

async function rig(limits: Partial<BrokerOptions> & { egressToken?: string }) {
  const broker = createBrokerServer({
    egress: [EGRESS],
    addressOf: (req: IncomingMessage) => String(req.headers['x-test-source']),
    ...limits,
  });
  const { port } = await broker.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}/`;
  /** A request from `address`, with the egress headers when `tunnel` is given. */
  const headers = (address: string, tunnel?: { token: string; session: string }) => ({
    'x-test-source': address,
    ...(tunnel === undefined
      ? {}
      : { [EGRESS_TOKEN_HEADER]: tunnel.token, [SESSION_HEADER]: tunnel.session }),
  });
  return {
    broker,
    info: async (address: string, tunnel?: { token: string; session: string }) =>
      (await fetch(`${url}v1/info`, { headers: headers(address, tunnel) })).status,
    client: (address: string, tunnel?: { token: string; session: string }) =>
      new BrokerClient(url, {
        fetch: (input, init) =>
          fetch(input, { ...init, headers: { ...(init?.headers ?? {}), ...headers(address, tunnel) } }),
      }),
    close: () => broker.close(),
  };
}

const statuses = async (n: number, call: () => Promise<number>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await call());
  return out;
};

test('two sessions through one trusted egress each get their own rate limit, within the egress budget', async () => {
  const r = await rig({
    egressToken: TOKEN,
    rateLimitPerSecond: 0.001,
    rateLimitBurst: 3,
    egressRateLimitPerSecond: 0.001,
    egressRateLimitBurst: 5,
  });
  try {
    const a = { token: TOKEN, session: session(1) };
    const b = { token: TOKEN, session: session(2) };
    assert.deepEqual(await statuses(4, () => r.info(EGRESS_ADDRESS, a)), [200, 200, 200, 429]);
    assert.deepEqual(
      await statuses(3, () => r.info(EGRESS_ADDRESS, b)),
      [200, 200, 429],
      "session b has its own budget, until the egress's whole budget of 5 is spent",
    );
    // The sessions' count is the egress's, not its address's as an ordinary client.
    assert.equal(await r.info(EGRESS_ADDRESS), 200, 'the address itself still has its own budget');
  } finally {
    await r.close();
  }
});

test('a session header without the egress token counts by its address, whatever session it names', async () => {
  for (const egressToken of [TOKEN, undefined]) {
    const r = await rig({
      ...(egressToken === undefined ? {} : { egressToken }),
      rateLimitPerSecond: 0.001,
      rateLimitBurst: 3,
    });
    try {
      const forged = (n: number) => ({ token: `${TOKEN.slice(0, -1)}x`, session: session(n) });
      const got = [];
      for (let n = 0; n < 3; n++) got.push(await r.info('198.51.100.7', forged(n)));
      got.push(await r.info('198.51.100.7', { token: '', session: session(9) }));
      got.push(await r.info('198.51.100.7', { token: TOKEN, session: session(10) }));
      // Without a token configured even the right one is nobody's; with one, it is the forger's own session.
      assert.deepEqual(
        got,
        egressToken === undefined ? [200, 200, 200, 429, 429] : [200, 200, 200, 429, 200],
        `broker ${egressToken === undefined ? 'without' : 'with'} --egress-token`,
      );
      const text = r.broker.metrics.render();
      const ignored = egressToken === undefined ? 5 : 4;
      assert.ok(text.includes(`starling_broker_tunnelled_total{result="ignored"} ${ignored}\n`), text);
    } finally {
      await r.close();
    }
  }
});

test("a hostile session's unanswered offers do not push another session's volunteers back", async () => {
  const r = await rig({
    egressToken: TOKEN,
    rateLimitPerSecond: 0,
    answerTimeoutMs: 150,
    pollTimeoutMs: 5_000,
    volunteerFailures: 2,
  });
  try {
    const hostile = r.client(EGRESS_ADDRESS, { token: TOKEN, session: session(66) });
    const honest = r.client(EGRESS_ADDRESS, { token: TOKEN, session: session(7) });
    const someone = r.client('203.0.113.5');
    // The hostile session's volunteers take offers and never answer them (signaling-v1 §11).
    for (let i = 0; i < 2; i++) {
      const polled = hostile.poll(POLL);
      await assert.rejects(someone.offer(OFFER), isCode('timeout', 504));
      assert.notEqual((await polled).offer, null);
    }
    // Its new volunteer waits longest, yet its record sends it last: the honest session's is matched.
    const first = hostile.poll(POLL);
    first.catch(() => undefined);
    await new Promise((done) => setTimeout(done, 30));
    const second = honest.poll(POLL);
    await new Promise((done) => setTimeout(done, 30));
    const matched = someone.offer(OFFER);
    const got = await second;
    assert.ok(got.offer !== null, "the honest session's volunteer got the offer");
    await honest.answer(got.offer.id, 'v=0 answer');
    assert.equal((await matched).sdp, 'v=0 answer');
  } finally {
    await r.close();
  }
});

test("a hostile session's outcome report of another session's match is ignored", async () => {
  const r = await rig({ egressToken: TOKEN, rateLimitPerSecond: 0, pollTimeoutMs: 5_000 });
  try {
    const honest = r.client(EGRESS_ADDRESS, { token: TOKEN, session: session(8) });
    const hostile = r.client(EGRESS_ADDRESS, { token: TOKEN, session: session(67) });
    const volunteer = r.client('203.0.113.9');
    const polled = volunteer.poll(POLL);
    const answer = honest.offer(OFFER);
    const offered = (await polled).offer;
    assert.ok(offered !== null);
    await volunteer.answer(offered.id, 'v=0 answer');
    const { match, volunteer: id } = await answer;
    assert.ok(match !== undefined);
    await hostile.outcome(match, false);
    const counts = await r.broker.store.outcomes.read([volunteerKey(id)]);
    assert.equal(counts.size, 0, 'the report did not count against the volunteer');
  } finally {
    await r.close();
  }
});
