/**
 * Bare data-channel throughput between two node-datachannel processes, to choose the record size
 * (session-v1 §1). The parent offers and sends `totalBytes` per message size, honouring `bufferedAmount`
 * (high water 1 MiB, resumes on `bufferedamountlow`); a child process answers, counts and reports.
 * Signaling runs over the child's stdin/stdout as JSON lines. Run inside the private namespace:
 *   node scripts/netns.mjs node --import tsx bench/bare-dc.ts
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { localSdp, waitIceComplete } from '../src/shared/webrtc.js';
import { closeNodeWebRtc, nodeRtcPeerConnectionClass } from '../src/shared/webrtc-node.js';

const totalBytes = 64 * 1024 * 1024;
const messageSizes = [16 * 1024, 32 * 1024, 64 * 1024];
const highWater = 1024 * 1024;
const lowWater = 256 * 1024;
const iceTimeoutMs = 5000;

type ChildLine = { answer: string } | { bytes: number; messages: number; ms: number };

const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });

async function runChild(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const { offer } = JSON.parse(line) as { offer: string };
    const pc = new RtcPeerConnection();
    pc.addEventListener('datachannel', (event) => {
      const channel = (event as RTCDataChannelEvent).channel;
      channel.binaryType = 'arraybuffer';
      let bytes = 0;
      let messages = 0;
      let start = 0;
      channel.addEventListener('message', (message: MessageEvent<ArrayBuffer | string>) => {
        if (typeof message.data === 'string') {
          const ms = performance.now() - start;
          process.stdout.write(`${JSON.stringify({ bytes, messages, ms })}\n`);
          channel.close();
          pc.close();
          return;
        }
        if (messages === 0) start = performance.now();
        messages += 1;
        bytes += message.data.byteLength;
      });
    });
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    await waitIceComplete(pc, iceTimeoutMs);
    process.stdout.write(`${JSON.stringify({ answer: localSdp(pc) })}\n`);
  }
}

function send(channel: RTCDataChannel, size: number): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < totalBytes && channel.bufferedAmount < highWater) {
        // A fresh buffer per send, as the relay does.
        channel.send(new Uint8Array(Math.min(size, totalBytes - sent)));
        sent += size;
      }
      if (sent >= totalBytes) {
        channel.removeEventListener('bufferedamountlow', pump);
        resolve();
      }
    };
    channel.bufferedAmountLowThreshold = lowWater;
    channel.addEventListener('bufferedamountlow', pump);
    pump();
  });
}

async function runParent(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<ChildLine> => {
    const line = await replies.next();
    if (line.done === true) throw new Error('child exited');
    return JSON.parse(line.value) as ChildLine;
  };
  console.log(`bare data channel, ${totalBytes / 1024 / 1024} MiB per size, two processes, loopback`);
  for (const size of messageSizes) {
    const pc = new RtcPeerConnection();
    const channel = pc.createDataChannel('starling/1');
    const opened = new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }));
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceComplete(pc, iceTimeoutMs);
    child.stdin.write(`${JSON.stringify({ offer: localSdp(pc) })}\n`);
    const reply = await next();
    if (!('answer' in reply)) throw new Error('expected an answer');
    await pc.setRemoteDescription({ type: 'answer', sdp: reply.answer });
    await opened;
    const start = performance.now();
    await send(channel, size);
    channel.send('done');
    const report = await next();
    if ('answer' in report) throw new Error('expected a report');
    const wallMs = performance.now() - start;
    const mbps = report.bytes / 1e6 / (report.ms / 1000);
    console.log(
      `${String(size / 1024).padStart(3)} KiB messages: ${mbps.toFixed(1)} MB/s ` +
        `(${report.messages} messages, ${report.bytes} bytes, receiver ${report.ms.toFixed(0)} ms, ` +
        `sender wall ${wallMs.toFixed(0)} ms)`,
    );
    pc.close();
  }
  child.stdin.end();
  closeNodeWebRtc();
}

if (process.argv.includes('--child')) await runChild();
else await runParent();
