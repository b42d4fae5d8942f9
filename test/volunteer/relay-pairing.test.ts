// A paired volunteer (signaling-v1 §8) and a broker that does not know pairing: the fake broker of the relay
// tests ignores `pairing` and answers without `paired`, as a broker from before §8 would. The volunteer must
// then answer no offer, and say why. No WebRTC is needed: nothing may get as far as a peer connection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPairingCode, PairingCodeError, pairingTag } from '../../src/signaling/pairing.js';
import { nodeRelayEnv } from '../../src/volunteer/node.js';
import { resolveVolunteerOptions } from '../../src/volunteer/options.js';
import { type RelayStateDetail, VolunteerRelay } from '../../src/volunteer/relay.js';
import { until } from '../helpers/until.js';
import { startFakeBroker } from './fake-broker.js';

const EGRESS = 'ws://127.0.0.1:9/';

test('a paired volunteer sends the tag, never the code, and answers no offer from a broker without pairing', async (t) => {
  const broker = await startFakeBroker({ egress: [EGRESS], pollTimeoutMs: 2_000, answerTimeoutMs: 500 });
  const code = newPairingCode();
  const relay = new VolunteerRelay(
    { broker: broker.url, allow: [EGRESS], pairing: code.toLowerCase(), backoffMinMs: 50, backoffMaxMs: 100 },
    nodeRelayEnv({ bindAddress: '127.0.0.1' }),
  );
  const troubles: string[] = [];
  relay.addEventListener('state', (event) => {
    const { problem, reason } = (event as CustomEvent<RelayStateDetail>).detail;
    if (problem !== undefined) troubles.push(`${problem}: ${reason}`);
  });
  t.after(async () => {
    relay.kill();
    await broker.close();
  });
  relay.start();
  await until(() => broker.volunteerWaiting, 'the volunteer to poll');
  const offered = await fetch(`${broker.url}v1/client/offer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ v: 1, nat: 'unknown', sdp: 'v=0 stranger' }),
  });
  assert.equal(offered.status, 504, 'the stranger gets no answer');
  await until(() => relay.state === 'error', 'the volunteer to report the broker');
  assert.match(troubles[0] ?? '', /^broker-refused: pairing: the broker does not support pairing/);
  assert.equal(relay.stats.totalClients, 0);
  assert.equal(relay.stats.clients, 0);
  const polls = broker.polls;
  assert.ok(polls.length >= 1);
  const tag = await pairingTag(code);
  for (const poll of polls) assert.equal(poll.pairing, tag);
  assert.ok(!JSON.stringify(polls).includes(code.replace(/-/g, '').slice(0, 8)), 'the code is never sent');
});

test('a mistyped pairing code is refused when the volunteer is built, saying so', () => {
  const code = newPairingCode();
  const typo = code.slice(0, 5) + (code[5] === 'Z' ? 'Y' : 'Z') + code.slice(6);
  assert.throws(
    () => resolveVolunteerOptions({ broker: 'http://127.0.0.1:1/', allow: [EGRESS], pairing: typo }),
    (err: unknown) => err instanceof PairingCodeError && /mistyped/.test(err.message),
  );
  const ok = resolveVolunteerOptions({ broker: 'http://127.0.0.1:1/', allow: [EGRESS], pairing: code });
  assert.equal(ok.pairing, code);
});
