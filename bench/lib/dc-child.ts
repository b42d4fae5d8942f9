/**
 * The far end of a bare data channel (bench/lib/dc-pair.ts; in the lab, bench/lib/lab-dc.ts), in its own
 * process bound to the address in argv[2] (default 127.0.0.1): answers each offer it reads on stdin (JSON
 * lines, no trickle) and serves text commands on the channel:
 *   `SRC n size`  sends n bytes in binary messages of `size` bytes, honouring bufferedAmount;
 *   `ECHO`        from now on sends every binary message straight back.
 */
import { createInterface } from 'node:readline';
import { VOLUNTEER_DEFAULTS } from '../../src/shared/limits.js';
import { holdCandidates, localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { closeNodeWebRtc, nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: process.argv[2] ?? '127.0.0.1' });

function source(channel: RTCDataChannel, total: number, size: number): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < total && channel.bufferedAmount < HIGH_WATER) {
      const n = Math.min(size, total - sent);
      channel.send(new Uint8Array(n)); // a fresh buffer per send, as the relay does
      sent += n;
    }
    if (sent >= total) channel.removeEventListener('bufferedamountlow', pump);
  };
  channel.bufferedAmountLowThreshold = LOW_WATER;
  channel.addEventListener('bufferedamountlow', pump);
  pump();
}

function serve(channel: RTCDataChannel): void {
  channel.binaryType = 'arraybuffer';
  let echo = false;
  channel.addEventListener('message', (event: MessageEvent<ArrayBuffer | string>) => {
    const data = event.data;
    if (typeof data !== 'string') {
      if (echo) channel.send(data);
      return;
    }
    const [cmd, a, b] = data.split(' ');
    if (cmd === 'SRC') source(channel, Number(a), Number(b));
    else if (cmd === 'ECHO') echo = true;
  });
}

const peers: RTCPeerConnection[] = [];
for await (const line of createInterface({ input: process.stdin })) {
  const { offer } = JSON.parse(line) as { offer: string };
  const pc = new RtcPeerConnection();
  peers.push(pc);
  pc.addEventListener('datachannel', (event) => serve((event as RTCDataChannelEvent).channel));
  // As a volunteer does (path-v1 §1.2): no check of ours before the offerer has the answer.
  const { sdp, candidates } = holdCandidates(offer);
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await waitIceComplete(pc, 5000);
  process.stdout.write(`${JSON.stringify({ answer: localSdp(pc) })}\n`);
  setTimeout(() => {
    if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') return;
    for (const candidate of candidates) pc.addIceCandidate(candidate).catch(() => {});
  }, VOLUNTEER_DEFAULTS.checkHoldMs);
}
for (const pc of peers) pc.close();
await closeNodeWebRtc();
