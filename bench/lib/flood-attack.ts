/**
 * Attackers of the egress for bench/flood.ts, over real WebSockets from loopback addresses of their own
 * (127.0.0.2 and up: other sources than the honest clients' 127.0.0.1, session-v1 §2.1). Each runs
 * `concurrency` loops until `signal` aborts and counts what it sent. Run in a process of their own
 * (`node --import tsx bench/lib/flood-attack.ts NAME URL KEY SESSION_ID`, stopped by closing its stdin, then it
 * prints `{"sent": N}`), so that they do not share an event loop with the honest clients.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { webSocketPath } from '../../src/egress/ws-path.js';
import { FrameType } from '../../src/session/frames.js';
import { decodeKey } from '../../src/session/noise.js';
import { encodeJoinHead, MessageType } from '../../src/session/wire.js';
import { PATH_SUBPROTOCOL } from '../../src/shared/path.js';
import { firstReply, HostileClient, makeHello } from '../../test/helpers/hostile-client.js';

export interface AttackCount {
  /** Attack messages sent (HELLOs, PING records, JOINs). */
  sent: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Attacker source addresses: `n` loopback addresses from 127.0.0.2. */
export function attackerSources(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.0.0.${i + 2}`);
}

/** A WebSocket path from `localAddress`, or undefined if the egress refused it (503) or it failed. */
export function openFrom(url: string, localAddress: string): Promise<WebSocket | undefined> {
  const ws = new WebSocket(url, PATH_SUBPROTOCOL, { perMessageDeflate: false, localAddress });
  ws.binaryType = 'nodebuffer';
  return new Promise((resolve) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', () => {
      ws.terminate();
      resolve(undefined);
    });
    ws.once('error', () => resolve(undefined));
  });
}

function closed(ws: WebSocket, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED || signal.aborted) return resolve();
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    ws.once('close', done);
    signal.addEventListener('abort', done);
  });
}

async function workers(
  concurrency: number,
  sources: string[],
  signal: AbortSignal,
  loop: (source: string) => Promise<void>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      while (!signal.aborted) {
        try {
          await loop(sources[i % sources.length]!);
        } catch {
          await sleep(5);
        }
      }
    }),
  );
}

/** One captured HELLO, replayed on new WebSockets as fast as the egress answers. */
export async function replayHellos(
  url: string,
  egressKey: Uint8Array,
  sources: string[],
  concurrency: number,
  signal: AbortSignal,
): Promise<AttackCount> {
  const { hello } = makeHello(egressKey);
  const count = { sent: 0 };
  await workers(concurrency, sources, signal, async (source) => {
    const ws = await openFrom(url, source);
    if (!ws) return sleep(5);
    const t = webSocketPath(ws);
    const reply = firstReply(t, 2000);
    t.send(hello);
    count.sent += 1;
    await reply;
    ws.terminate();
  });
  return count;
}

/**
 * Fresh HELLOs (the attacker knows the public key, as everyone does) whose client never sends its first record:
 * each WebSocket is held until the egress lets the half-open handshake go.
 */
export async function freshHellos(
  url: string,
  egressKey: Uint8Array,
  sources: string[],
  concurrency: number,
  signal: AbortSignal,
): Promise<AttackCount> {
  const count = { sent: 0 };
  await workers(concurrency, sources, signal, async (source) => {
    const ws = await openFrom(url, source);
    if (!ws) return sleep(5);
    webSocketPath(ws).send(makeHello(egressKey).hello);
    count.sent += 1;
    await closed(ws, signal);
    ws.terminate();
  });
  return count;
}

/**
 * Sessions of its own that flood PINGs: records with one PING each as fast as its socket takes them while never
 * reading the PONGs, or one record of 1000 PINGs. When the egress drops the path, a new session.
 */
export async function pingFlood(
  url: string,
  egressKey: Uint8Array,
  sources: string[],
  concurrency: number,
  signal: AbortSignal,
): Promise<AttackCount> {
  const count = { sent: 0 };
  const burst = Buffer.alloc(5 * 1000);
  for (let i = 0; i < 1000; i++) burst[5 * i] = FrameType.ping;
  let worker = 0;
  await workers(concurrency, sources, signal, async (source) => {
    const ws = await openFrom(url, source);
    if (!ws) return sleep(5);
    const c = await HostileClient.connect(webSocketPath(ws), egressKey);
    c.greet();
    worker += 1;
    if (worker % 4 === 0) {
      c.sendRawUnreliable(burst);
      count.sent += 1000;
      await closed(ws, signal);
      return;
    }
    ws.pause();
    while (ws.readyState === ws.OPEN && !signal.aborted) {
      for (let i = 0; i < 64 && ws.bufferedAmount < 256 * 1024; i++) {
        c.sendRawUnreliable(Buffer.of(FrameType.ping, 0, 0, 0, i));
        count.sent += 1;
      }
      await sleep(1);
    }
    ws.terminate();
  });
  return count;
}

/** JOINs that cannot pass: made-up tags for `sessionId` (seen by a volunteer) and for random session ids. */
export async function joinFlood(
  url: string,
  sessionId: Uint8Array,
  sources: string[],
  concurrency: number,
  signal: AbortSignal,
): Promise<AttackCount> {
  const count = { sent: 0 };
  let pathId = 1000;
  await workers(concurrency, sources, signal, async (source) => {
    const ws = await openFrom(url, source);
    if (!ws) return sleep(5);
    const t = webSocketPath(ws);
    const id = count.sent % 2 === 0 ? sessionId : randomBytes(16);
    const join = Buffer.concat([encodeJoinHead(id, pathId++), randomBytes(16)]);
    const reply = firstReply(t, 2000);
    t.send(join);
    count.sent += 1;
    const msg = await reply;
    if (msg !== undefined && msg[1] !== MessageType.refuse) throw new Error('a made-up JOIN was accepted');
    ws.terminate();
  });
  return count;
}

/** The attacks bench/flood.ts runs, by name, with their sources and concurrency. */
export const ATTACKS: Record<
  string,
  (url: string, key: Uint8Array, sessionId: Uint8Array, signal: AbortSignal) => Promise<AttackCount>
> = {
  hello_replay: (url, key, _id, signal) => replayHellos(url, key, attackerSources(4), 64, signal),
  hello_fresh: (url, key, _id, signal) => freshHellos(url, key, attackerSources(8), 384, signal),
  ping: (url, key, _id, signal) => pingFlood(url, key, attackerSources(4), 32, signal),
  join: (url, _key, id, signal) => joinFlood(url, id, attackerSources(4), 64, signal),
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name = '', url = '', key = '', sessionId = ''] = process.argv.slice(2);
  const attack = ATTACKS[name];
  if (!attack) throw new Error(`no attack ${name}`);
  const stop = new AbortController();
  process.stdin.on('end', () => stop.abort());
  process.stdin.resume();
  const count = await attack(url, decodeKey(key), Buffer.from(sessionId, 'hex'), stop.signal);
  process.stdout.write(`${JSON.stringify(count)}\n`);
  process.exit(0);
}
