// A Node volunteer (node-datachannel, as `starling volunteer` makes it) answers an `actpass` offer with
// `passive`, so the client is the DTLS client between two OpenSSL ends (path-v1 §1, docs/dtls.md, "Roles").
// Real node-datachannel peers on 127.0.0.1.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { nodeRtcPeerConnectionClass, offerForNodeAnswerer } from '../../src/shared/webrtc-node.js';

const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });

const setupOf = (sdp: string): string | undefined => /^a=setup:(\w+)/m.exec(sdp)?.[1];

test('offerForNodeAnswerer turns actpass into active and leaves other roles alone', () => {
  assert.equal(offerForNodeAnswerer('a=setup:actpass\r\na=mid:0\r\n'), 'a=setup:active\r\na=mid:0\r\n');
  assert.equal(offerForNodeAnswerer('a=setup:passive\n'), 'a=setup:passive\n');
  assert.equal(offerForNodeAnswerer('a=setup:active\n'), 'a=setup:active\n');
});

test('a Node volunteer answers an actpass offer with passive, and the channel opens', async () => {
  const client = new RtcPeerConnection();
  const volunteer = new RtcPeerConnection();
  try {
    const channel = client.createDataChannel('starling/1', { ordered: true });
    const opened = once(channel, 'open');
    await client.setLocalDescription(await client.createOffer());
    await waitIceComplete(client, 5000);
    const offer = localSdp(client);
    assert.equal(setupOf(offer), 'actpass');
    const volunteerOpened = new Promise((resolve) => {
      volunteer.ondatachannel = (e) => {
        e.channel.onopen = resolve;
      };
    });
    await volunteer.setRemoteDescription({ type: 'offer', sdp: offer });
    await volunteer.setLocalDescription(await volunteer.createAnswer());
    await waitIceComplete(volunteer, 5000);
    const answer = localSdp(volunteer);
    assert.equal(setupOf(answer), 'passive');
    await client.setRemoteDescription({ type: 'answer', sdp: answer });
    await Promise.all([opened, volunteerOpened]);
  } finally {
    client.close();
    volunteer.close();
  }
});
