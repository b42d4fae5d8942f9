/**
 * The near end of bare data channels in the lab (bench/lab-loss.ts): `lab-dc.ts BIND CONNECTIONS BYTES
 * SIZE RUNS` opens CONNECTIONS peer connections bound to BIND, one ordered reliable channel each, printing
 * each offer as a JSON line `{"i": n, "offer": sdp}` and reading `{"answer": sdp}` lines on stdin in the
 * same order (the far end is ./dc-child.ts in another host; the caller carries the lines). Then, RUNS
 * times, it has the far end send BYTES in SIZE-byte messages split evenly over the connections, all at
 * once, and prints `{"ms": t}` from the request to the last byte. Exits after the last run.
 */
import { createInterface } from 'node:readline';
import { closeNodeWebRtc, nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';
import { offerChannel, receiveFrom } from './dc-receive.js';
import { withTimeout } from './tcp-target.js';

const [bind, connections, bytes, size, runs] = process.argv.slice(2);
const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: bind ?? '127.0.0.1' });
const answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const peers: RTCPeerConnection[] = [];
const channels: RTCDataChannel[] = [];
for (let i = 0; i < Number(connections); i++) {
  const pc = new RtcPeerConnection();
  peers.push(pc);
  const { channel, opened, offer } = await offerChannel(pc);
  process.stdout.write(`${JSON.stringify({ i, offer })}\n`);
  const line = await withTimeout(answers.next(), 30_000, 'answer');
  if (line.done === true) throw new Error('no answer');
  await pc.setRemoteDescription({
    type: 'answer',
    sdp: (JSON.parse(line.value) as { answer: string }).answer,
  });
  await withTimeout(opened, 20_000, 'channel open');
  channels.push(channel);
}
const share = Math.floor(Number(bytes) / channels.length);
for (let r = 0; r < Number(runs); r++) {
  const t0 = performance.now();
  await Promise.all(channels.map((c) => receiveFrom(c, share, Number(size), 'bare DC transfer')));
  process.stdout.write(`${JSON.stringify({ ms: performance.now() - t0 })}\n`);
}
for (const pc of peers) pc.close();
await closeNodeWebRtc();
process.exit(0);
