/**
 * `node scripts/netns.mjs node --import tsx bench/early-check.ts [PAIRS] [ANSWER_DELAY_MS] [HOGS]`: paths
 * between node-datachannel ends on loopback lost to libdatachannel's early-check race (docs/dtls.md), the
 * volunteer's way before the hold (the offer set whole, answered `passive`) against now (ClientPath, path-v1
 * §1.2), interleaved, in one run. The client sets the answer ANSWER_DELAY_MS (default 60) after the volunteer
 * made it, as through a broker; HOGS (default 0) processes spin on the CPU meanwhile, as on a loaded host.
 * Prints lost pairs and answer-to-open times per variant. A loss count, not a speed: not in `npm run bench`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { WebSocketServer } from 'ws';
import { localSdp, waitIceComplete } from '../src/shared/webrtc.js';
import { closeNodeWebRtc } from '../src/shared/webrtc-node.js';
import { ClientPath } from '../src/volunteer/client-path.js';
import { nodeRelayEnv } from '../src/volunteer/node.js';
import { resolveVolunteerOptions } from '../src/volunteer/options.js';

const pairs = Number(process.argv[2] ?? 200);
const answerDelayMs = Number(process.argv[3] ?? 60);
const hogCount = Number(process.argv[4] ?? 0);
const env = nodeRelayEnv({ bindAddress: '127.0.0.1' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const egress = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'starling.path.v1' });
await new Promise((resolve) => egress.once('listening', resolve));
const address = egress.address();
if (address === null || typeof address === 'string') throw new Error('no egress port');
const egressUrl = `ws://127.0.0.1:${address.port}/`;
const options = resolveVolunteerOptions({ broker: 'http://127.0.0.1:9/', allow: [egressUrl] });

interface Volunteer {
  answer(offer: string): Promise<string>;
  answered(): void;
  close(): void;
}

/** Before the hold: the offer set whole (checks start at once), and `passive` asked for (the old rewrite). */
function oldVolunteer(): Volunteer {
  const pc = new env.RTCPeerConnection();
  return {
    async answer(offer) {
      await pc.setRemoteDescription({
        type: 'offer',
        sdp: offer.replace(/^a=setup:actpass/m, 'a=setup:active'),
      });
      await pc.setLocalDescription(await pc.createAnswer());
      await waitIceComplete(pc, 5000);
      return localSdp(pc);
    },
    answered() {},
    close: () => pc.close(),
  };
}

function newVolunteer(): Volunteer {
  const path = new ClientPath(egressUrl, env, options, null, {
    onOpen: () => {},
    onBytes: () => {},
    onEnd: () => {},
  });
  return { answer: (o) => path.answer(o), answered: () => path.answered(), close: () => path.close('done') };
}

async function pair(volunteer: Volunteer): Promise<number | string> {
  const client = new env.RTCPeerConnection();
  try {
    const channel = client.createDataChannel('starling/1', { ordered: true });
    await client.setLocalDescription(await client.createOffer());
    await waitIceComplete(client, 5000);
    const answer = await volunteer.answer(localSdp(client));
    volunteer.answered();
    await sleep(answerDelayMs);
    const start = performance.now();
    await client.setRemoteDescription({ type: 'answer', sdp: answer });
    await new Promise<void>((resolve, reject) => {
      if (channel.readyState === 'open') resolve();
      channel.onopen = () => resolve();
      channel.onclose = () => reject(new Error('closed before it opened'));
      setTimeout(() => reject(new Error('did not open in 10 s')), 10_000);
    });
    return performance.now() - start;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.close();
    volunteer.close();
  }
}

const hogs: ChildProcess[] = [];
for (let i = 0; i < hogCount; i++)
  hogs.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
const results = { before: [] as (number | string)[], now: [] as (number | string)[] };
for (let i = 0; i < pairs; i++) {
  results.before.push(await pair(oldVolunteer()));
  results.now.push(await pair(newVolunteer()));
}
for (const hog of hogs) hog.kill();

const quantile = (xs: number[], q: number) =>
  xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;
for (const [name, list] of Object.entries(results)) {
  const opens = list.filter((r): r is number => typeof r === 'number').sort((a, b) => a - b);
  const lost = new Map<string, number>();
  for (const r of list) if (typeof r === 'string') lost.set(r, (lost.get(r) ?? 0) + 1);
  console.log(
    `${name}: ${list.length - opens.length}/${list.length} lost ${JSON.stringify(Object.fromEntries(lost))}; ` +
      `open after the answer: median ${quantile(opens, 0.5).toFixed(1)} ms, p90 ${quantile(opens, 0.9).toFixed(1)} ms, ` +
      `over 500 ms: ${opens.filter((ms) => ms > 500).length}`,
  );
}
egress.close();
await closeNodeWebRtc();
