// path-v1 §1.2: the DTLS client is the end whose ICE connects last, since libdatachannel v0.24.5 strands a
// ClientHello that reaches a DTLS server before its own ICE is connected until the hello is resent 1 s later
// (docs/lab.md, "An early ClientHello"). With the volunteer's checks held, a public volunteer connects after
// the client and answers `active`; one behind a NAT, or on a relay-only path, connects first and a Node
// volunteer then answers `passive`. A browser always answers `active` (issue 12: its own ClientHello crosses;
// test/widget/dtls-role.test.ts). Real node-datachannel peers on 127.0.0.1.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { type AnswerHints, ClientPath, volunteerConnectsFirst } from '../../src/volunteer/client-path.js';
import type { RelayEnv } from '../../src/volunteer/env.js';
import { nodeRelayEnv } from '../../src/volunteer/node.js';
import { resolveVolunteerOptions } from '../../src/volunteer/options.js';
import { pathEgress } from './path-egress.js';

const env = nodeRelayEnv({ bindAddress: '127.0.0.1' });
const RtcPeerConnection = env.RTCPeerConnection;
const setupOf = (sdp: string): string | undefined => /^a=setup:(\w+)/m.exec(sdp)?.[1];

const egress = pathEgress();

/** A client's offer (actpass) answered by a ClientPath on `pathEnv` with `hints`; checks the channel opens. */
async function answerAndOpen(pathEnv: RelayEnv, hints: AnswerHints | undefined): Promise<string> {
  const client = new RtcPeerConnection();
  let opened = false;
  const options = resolveVolunteerOptions({ broker: 'http://127.0.0.1:9/', allow: [egress.url()] });
  const path = new ClientPath(egress.url(), pathEnv, options, null, {
    onOpen: () => {
      opened = true;
    },
    onBytes: () => {},
    onEnd: () => {},
  });
  try {
    const channel = client.createDataChannel('starling/1', { ordered: true });
    const channelOpen = once(channel, 'open');
    await client.setLocalDescription(await client.createOffer());
    await waitIceComplete(client, 5000);
    const offer = localSdp(client);
    assert.equal(setupOf(offer), 'actpass');
    const answer = await path.answer(offer, hints);
    await client.setRemoteDescription({ type: 'answer', sdp: answer });
    path.answered();
    await channelOpen;
    for (let i = 0; i < 100 && !opened; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(opened, 'the path opened (data channel and egress WebSocket)');
    return setupOf(answer) ?? '';
  } finally {
    path.close('test over');
    client.close();
  }
}

test('the volunteer connects first behind a NAT or on a relay-only path, not when public or unknown', () => {
  assert.equal(volunteerConnectsFirst({ nat: 'cone', relay: false }), true);
  assert.equal(volunteerConnectsFirst({ nat: 'symmetric', relay: false }), true);
  assert.equal(volunteerConnectsFirst({ nat: 'public', relay: true }), true);
  assert.equal(volunteerConnectsFirst({ nat: 'unknown', relay: true }), true);
  assert.equal(volunteerConnectsFirst({ nat: 'public', relay: false }), false);
  assert.equal(volunteerConnectsFirst({ nat: 'unknown', relay: false }), false);
});

test('a public Node volunteer answers an actpass offer with active, and the path opens', async () => {
  assert.equal(await answerAndOpen(env, { nat: 'public', relay: false }), 'active');
  assert.equal(await answerAndOpen(env, { nat: 'unknown', relay: false }), 'active');
  assert.equal(await answerAndOpen(env, undefined), 'active');
});

test('a Node volunteer behind a NAT or on a relay-only path answers passive, and the path opens', async () => {
  assert.equal(env.picksDtlsRole, true);
  assert.equal(await answerAndOpen(env, { nat: 'cone', relay: false }), 'passive');
  assert.equal(await answerAndOpen(env, { nat: 'symmetric', relay: false }), 'passive');
  assert.equal(await answerAndOpen(env, { nat: 'public', relay: true }), 'passive');
});

test('a host that may not pick its role (a browser) answers active even behind a NAT', async () => {
  const { picksDtlsRole: _, ...browserLike } = env;
  assert.equal(await answerAndOpen(browserLike, { nat: 'cone', relay: false }), 'active');
  assert.equal(await answerAndOpen(browserLike, { nat: 'symmetric', relay: true }), 'active');
});
