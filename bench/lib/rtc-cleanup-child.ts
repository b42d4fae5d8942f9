/**
 * One process that makes many node-datachannel peer pairs on 127.0.0.1, the way a long-lived client and
 * volunteer do (bench/lib/rtc-cleanup.ts runs it many times): some pairs connect and exchange a message;
 * some are abandoned mid-negotiation like a tunnel offer that timed out (offer made, answer never applied)
 * or an answer that arrives after the offerer gave up; some get a remote description that fails. Then
 * everything is closed as its owner would, and closeNodeWebRtc() is timed. Prints one JSON line.
 *
 * argv: pairs (default 100), concurrency (default 8); `--no-close` leaves abandoned connections open (the
 * owners' leak that finding 11 suspects); `--now` stops libdatachannel at once after the last close, with
 * `concurrency` pairs still mid-negotiation, as a CLI does when SIGTERM comes while paths are being made;
 * `--raw` calls node-datachannel's cleanup() directly, as closeNodeWebRtc() did before finding 11's fix.
 */
import { cleanup } from 'node-datachannel';
import { localSdp, waitIceComplete } from '../../src/shared/webrtc.js';
import { closeNodeWebRtc, nodeRtcPeerConnectionClass } from '../../src/shared/webrtc-node.js';

const args = process.argv.slice(2);
const pairs = Number(args[0] ?? 100);
const concurrency = Number(args[1] ?? 8);
const leave = args.includes('--no-close');
const now = args.includes('--now');
const raw = args.includes('--raw');
// `--late MS`: with --no-close, the leftovers are closed MS ms before closeNodeWebRtc() (not right at it).
const lateAt = args.indexOf('--late');
const lateMs = lateAt >= 0 ? Number(args[lateAt + 1]) : -1;
const leftovers: RTCPeerConnection[] = [];
const Pc = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });
const counts = { complete: 0, abandoned: 0, late: 0, badRemote: 0, failed: 0 };
const errors: string[] = [];

function opened(dc: RTCDataChannel, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (dc.readyState === 'open') return resolve();
    const t = setTimeout(() => reject(new Error('open timeout')), ms);
    dc.onopen = () => {
      clearTimeout(t);
      resolve();
    };
  });
}

async function offer(pc: RTCPeerConnection): Promise<{ dc: RTCDataChannel; sdp: string }> {
  const dc = pc.createDataChannel('starling/1', { ordered: true });
  await pc.setLocalDescription(await pc.createOffer());
  await waitIceComplete(pc, 2000);
  return { dc, sdp: localSdp(pc) };
}

async function answer(pc: RTCPeerConnection, sdp: string): Promise<string> {
  await pc.setRemoteDescription({ type: 'offer', sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await waitIceComplete(pc, 2000);
  return localSdp(pc);
}

async function pair(i: number): Promise<void> {
  const a = new Pc({ iceServers: [] });
  const b = new Pc({ iceServers: [] });
  if (leave) leftovers.push(a);
  const kind = i % 4;
  try {
    const o = await offer(a);
    if (kind === 1) {
      // The tunnel's offer timed out before any volunteer answered: the offerer closes, nobody else exists.
      counts.abandoned += 1;
      if (!leave) a.close();
      b.close();
      return;
    }
    const ans = await answer(b, o.sdp);
    if (kind === 2) {
      // The volunteer answered, but the client had given up: the answer is never applied.
      counts.late += 1;
      if (!leave) {
        a.close();
        b.close();
      }
      return;
    }
    if (kind === 3) {
      // A remote description that libdatachannel refuses (a hostile or broken answer).
      counts.badRemote += 1;
      try {
        await a.setRemoteDescription({ type: 'answer', sdp: ans.replace(/a=fingerprint:[^\r\n]*/g, '') });
      } catch {}
      if (!leave) a.close();
      b.close();
      return;
    }
    let got: RTCDataChannel | undefined;
    b.ondatachannel = (ev) => {
      got = ev.channel;
    };
    await a.setRemoteDescription({ type: 'answer', sdp: ans });
    await opened(o.dc, 5000);
    o.dc.send('hello');
    counts.complete += 1;
    o.dc.close();
    got?.close();
    a.close();
    b.close();
  } catch (e) {
    counts.failed += 1;
    if (errors.length < 5) errors.push((e as Error).message);
    if (!leave) a.close();
    b.close();
  }
}

let next = 0;
const workers = Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < pairs) await pair(next++);
  }),
);
if (now) {
  // SIGTERM while paths are being made: the last pairs are still negotiating.
  while (next < pairs) await new Promise((r) => setTimeout(r, 20));
} else {
  await workers;
  // Let close events run, as they would in a process that has been idle a while before SIGTERM.
  await new Promise((r) => setTimeout(r, 200));
}
if (lateMs >= 0) {
  for (const pc of leftovers) pc.close();
  await new Promise((r) => setTimeout(r, lateMs));
}
const t0 = performance.now();
let cleanupError: string | undefined;
try {
  if (raw) cleanup();
  else await closeNodeWebRtc();
} catch (e) {
  cleanupError = (e as Error).message;
}
const cleanupMs = Math.round(performance.now() - t0);
console.log(JSON.stringify({ pairs, ...counts, errors, cleanupMs, cleanupError }));
if (now) process.exit(0); // the CLI exits as soon as its command returns
