/**
 * The DTLS handshake on the wire (docs/dtls.md): captures it with tshark on `lo` and times data-channel opens
 * for each DTLS role choice. Not part of `npm test` or `npm run bench`; run it by hand, as root, inside a
 * private network namespace:
 *
 *   node scripts/netns.mjs node --import tsx bench/dtls.ts capture out/   # pcaps + tshark summaries
 *   node scripts/netns.mjs node --import tsx bench/dtls.ts time 40 50     # answer -> open, 40 runs each, answer 50 ms late
 *
 * Cases: `client-chromium` (node-datachannel offering as the Starling client does, a Chromium page answering
 * as the widget's relay does: a default RTCPeerConnection), `chromium-chromium` (two RTCPeerConnections in
 * one Chromium page) and, for timing, `client-node` (two node-datachannel peers, as client and Node volunteer).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { offerForVolunteer } from '../src/client/offer-sdp.js';
import { localSdp, waitIceComplete } from '../src/shared/webrtc.js';
import { closeNodeWebRtc, nodeRtcPeerConnectionClass } from '../src/shared/webrtc-node.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { withTimeout } from './lib/tcp-target.js';

const RtcPeerConnection = nodeRtcPeerConnectionClass({ bindAddress: '127.0.0.1' });

/** What the client's offer says: today's rule (`offerForVolunteer`), or each setup value forced. */
type OfferRole = 'client' | 'actpass' | 'active' | 'passive';

function offerSdp(sdp: string, role: OfferRole): string {
  if (role === 'client') return offerForVolunteer(sdp);
  return sdp.replace(/^a=setup:\w+(\r?)$/gm, `a=setup:${role}$1`);
}

/** Runs in the page: answers an offer with a default RTCPeerConnection, as the widget's relay does. */
const PAGE_ANSWER = `async (offer) => {
  const pc = new RTCPeerConnection();
  (globalThis.peers ??= []).push(pc);
  const opened = new Promise((resolve) => { pc.ondatachannel = (e) => { e.channel.onopen = resolve; }; });
  globalThis.lastOpened = opened;
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    const check = () => { if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); } };
    pc.onicegatheringstatechange = check;
    check();
  });
  return pc.localDescription.sdp;
}`;

/** Runs in the page: two RTCPeerConnections, full gathering, no trickle; resolves with ms answer -> open. */
const PAGE_PAIR = `async () => {
  const gathered = (pc) => new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    const check = () => { if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); } };
    pc.onicegatheringstatechange = check;
    check();
  });
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  const ch = a.createDataChannel('starling/1', { ordered: true });
  const opened = new Promise((resolve) => { ch.onopen = resolve; });
  await a.setLocalDescription(await a.createOffer());
  await gathered(a);
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await gathered(b);
  const start = performance.now();
  await a.setRemoteDescription(b.localDescription);
  await opened;
  const ms = performance.now() - start;
  a.close();
  b.close();
  return ms;
}`;

/** ms the answer spends on its way back (the broker's round trip); `time` takes it from argv. */
let answerDelayMs = 0;
const answerTravels = (): Promise<void> => new Promise((r) => setTimeout(r, answerDelayMs));

/** One node-datachannel client offer answered by the page; ms from setting the answer to the channel open. */
async function clientChromium(page: Page, role: OfferRole): Promise<{ ms: number; answer: string }> {
  const pc = new RtcPeerConnection();
  try {
    const ch = pc.createDataChannel('starling/1', { ordered: true });
    const opened = once(ch, 'open');
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceComplete(pc, 5000);
    const answer = (await page.evaluate(
      `(${PAGE_ANSWER})(${JSON.stringify(offerSdp(localSdp(pc), role))})`,
    )) as string;
    await answerTravels();
    const start = performance.now();
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await withTimeout(opened, 15_000, 'Chromium data channel open');
    return { ms: performance.now() - start, answer };
  } finally {
    pc.close();
    await page.evaluate('for (const p of globalThis.peers ?? []) p.close(); globalThis.peers = []');
  }
}

/** Two node-datachannel peers (client and Node volunteer) in this process. */
async function clientNode(role: OfferRole): Promise<number> {
  const a = new RtcPeerConnection();
  const b = new RtcPeerConnection();
  try {
    const ch = a.createDataChannel('starling/1', { ordered: true });
    const opened = once(ch, 'open');
    await a.setLocalDescription(await a.createOffer());
    await waitIceComplete(a, 5000);
    await b.setRemoteDescription({ type: 'offer', sdp: offerSdp(localSdp(a), role) });
    await b.setLocalDescription(await b.createAnswer());
    await waitIceComplete(b, 5000);
    await answerTravels();
    const start = performance.now();
    await a.setRemoteDescription({ type: 'answer', sdp: localSdp(b) });
    await withTimeout(opened, 15_000, 'node data channel open');
    return performance.now() - start;
  } finally {
    a.close();
    b.close();
  }
}

async function startCapture(file: string): Promise<ChildProcess> {
  const tshark = spawn('tshark', ['-i', 'lo', '-f', 'udp', '-w', file, '-q'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      tshark.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('Capturing on')) resolve();
      });
      tshark.on('exit', () => reject(new Error(`tshark exited: ${err}`)));
    }),
    60_000,
    'tshark start',
  );
  return tshark;
}

async function stopCapture(tshark: ChildProcess): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  tshark.kill('SIGINT');
  if (tshark.exitCode === null) await once(tshark, 'exit');
}

const FIELDS = [
  'frame.number',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
  'dtls.record.content_type',
  'dtls.record.version',
  'dtls.record.length',
  'dtls.handshake.type',
  'dtls.handshake.length',
  'dtls.handshake.fragment_offset',
  'dtls.handshake.fragment_length',
  'dtls.handshake.version',
  'dtls.handshake.cookie_length',
  'dtls.handshake.ciphersuite',
  'dtls.handshake.extension.type',
  'dtls.handshake.extensions_supported_group',
  'dtls.handshake.sig_hash_alg',
  'dtls.handshake.extensions.supported_version',
  'dtls.handshake.extensions_key_share_group',
  'dtls.handshake.extensions_alpn_str',
  'dtls.handshake.ja3_full',
  'dtls.handshake.ja3',
  'dtls.handshake.ja3s_full',
  'dtls.handshake.ja3s',
];

/** One line per certificate in the clear: who sent it and the fields docs/dtls.md compares. */
function certificates(pcap: string): string[] {
  const fields = spawnSync(
    'tshark',
    [
      ...['-r', pcap, '-d', 'udp.port==1-65535,dtls', '-Y', 'dtls.handshake.type==11'],
      ...['-T', 'fields', '-E', 'aggregator=,', '-e', 'udp.srcport', '-e', 'dtls.handshake.certificate'],
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const lines = new Set<string>();
  for (const row of fields.stdout.split('\n').filter(Boolean)) {
    const [port, hex = ''] = row.split('\t');
    for (const h of hex.split(',').filter(Boolean)) {
      const der = Buffer.from(h.replace(/:/g, ''), 'hex');
      const x = new X509Certificate(der);
      const version = der[7] === 0xa0 ? 'v3' : 'v1';
      const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
      lines.add(
        `from port ${port}: ${x.subject}, ${version}, serial ${x.serialNumber.length / 2} bytes, ` +
          `${x.publicKey.asymmetricKeyDetails?.namedCurve}, valid ${x.validFrom} .. ${x.validTo} (${days} days)`,
      );
    }
  }
  return [...lines];
}

/**
 * Writes `<name>.pcapng`, `<name>.txt` (tshark -V of the DTLS packets), `<name>.fields.tsv` and
 * `<name>.certificates.txt` (the certificates that crossed in the clear), and prints the last.
 */
function summarize(dir: string, name: string): void {
  const pcap = join(dir, `${name}.pcapng`);
  const decode = ['-r', pcap, '-d', 'udp.port==1-65535,dtls', '-Y', 'dtls'];
  const verbose = spawnSync('tshark', [...decode, '-V'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  writeFileSync(join(dir, `${name}.txt`), verbose.stdout);
  const fields = spawnSync(
    'tshark',
    [...decode, '-T', 'fields', '-E', 'header=y', '-E', 'aggregator=,', ...FIELDS.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  writeFileSync(join(dir, `${name}.fields.tsv`), fields.stdout);
  const certs = certificates(pcap);
  writeFileSync(join(dir, `${name}.certificates.txt`), certs.map((l) => `${l}\n`).join(''));
  for (const line of certs) console.log(`  ${name}: certificate ${line}`);
}

async function capture(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const chromium = await launchChromium();
  try {
    const page = await chromium.context.newPage();
    for (const role of ['client', 'active', 'actpass'] as const) {
      const name = `client-chromium-${role}`;
      const tshark = await startCapture(join(dir, `${name}.pcapng`));
      const { ms, answer } = await clientChromium(page, role);
      await stopCapture(tshark);
      summarize(dir, name);
      const setup = /^a=setup:(\w+)/m.exec(answer)?.[1];
      console.log(`${name}: open after ${ms.toFixed(1)} ms, answer a=setup:${setup}`);
    }
    const tshark = await startCapture(join(dir, 'chromium-chromium.pcapng'));
    const ms = (await page.evaluate(`(${PAGE_PAIR})()`)) as number;
    await stopCapture(tshark);
    summarize(dir, 'chromium-chromium');
    console.log(`chromium-chromium: open after ${ms.toFixed(1)} ms`);
  } finally {
    await chromium.close();
  }
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
  const slow = s.filter((x) => x > 500).length;
  return `median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms, max ${q(1).toFixed(1)} ms, >500 ms: ${slow}/${s.length}`;
}

async function time(runs: number): Promise<void> {
  const chromium = await launchChromium();
  const results = new Map<string, number[]>();
  const failures = new Map<string, string[]>();
  const add = async (k: string, run: () => Promise<number>): Promise<void> => {
    try {
      const v = await run();
      results.set(k, [...(results.get(k) ?? []), v]);
    } catch (e) {
      failures.set(k, [...(failures.get(k) ?? []), (e as Error).message]);
    }
  };
  try {
    const page = await chromium.context.newPage();
    for (let i = 0; i < runs; i++) {
      // Interleaved, so that a noisy neighbour hits every variant alike.
      for (const role of ['active', 'actpass', 'passive', 'client'] as const) {
        await add(`client-chromium offer=${role}`, async () => (await clientChromium(page, role)).ms);
        await add(`client-node offer=${role}`, () => clientNode(role));
      }
      await add('chromium-chromium', async () => (await page.evaluate(`(${PAGE_PAIR})()`)) as number);
    }
  } finally {
    await chromium.close();
  }
  console.log(`answer delay ${answerDelayMs} ms, ${runs} runs each`);
  for (const [k, v] of results) console.log(`${k.padEnd(32)} ${stats(v)}`);
  for (const [k, v] of failures) console.log(`${k.padEnd(32)} failed ${v.length}x: ${v[0]}`);
}

const [command, arg] = process.argv.slice(2);
try {
  if (command === 'capture') await capture(arg ?? 'dtls-capture');
  else if (command === 'time') {
    answerDelayMs = Number(process.argv[4] ?? 0);
    await time(Number(arg ?? 30));
  } else {
    console.error('usage: bench/dtls.ts capture <dir> | time <runs> [answer delay ms]');
    process.exitCode = 2;
  }
} finally {
  await closeNodeWebRtc();
}
