// A Node volunteer (node-datachannel, as `starling volunteer` makes it) answers an `actpass` offer with
// `active`, as a browser volunteer does: it is the DTLS client, and since it holds its connectivity checks
// until the client's own arrive (path-v1 §1.2), its ClientHello follows the client's DTLS transport's start
// (docs/dtls.md, "Roles"). Real node-datachannel peers on 127.0.0.1.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';

const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });

const setupOf = (sdp: string): string | undefined => /^a=setup:(\w+)/m.exec(sdp)?.[1];

test('a Node volunteer answers an actpass offer with active, and the channel opens', async () => {
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
    assert.equal(setupOf(answer), 'active');
    await client.setRemoteDescription({ type: 'answer', sdp: answer });
    await Promise.all([opened, volunteerOpened]);
  } finally {
    client.close();
    volunteer.close();
  }
});
