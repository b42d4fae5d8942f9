/**
 * A client written as an attacker would write it: it runs the HELLO itself (session-v1 §2) and then seals
 * whatever records it likes with the session keys (§3), so tests can break the rules a real Session keeps.
 */
import { sealWithHeader } from '../../src/session/aead.js';
import { encodeBody, type Frame, FrameType } from '../../src/session/frames.js';
import { NkInitiator, type SessionKeys } from '../../src/session/noise.js';
import type { PathTransport } from '../../src/session/transport.js';
import {
  decodeHelloReplyPayload,
  encodeHelloPayload,
  envelope,
  MessageType,
  PROLOGUE,
  recordHeader,
  recordNonce,
} from '../../src/session/wire.js';

/** A HELLO message for the egress whose public key is `egressKey`, and the handshake that made it. */
export function makeHello(
  egressKey: Uint8Array,
  pathId = 0,
  time = Date.now(),
): { hello: Buffer; noise: NkInitiator } {
  const noise = new NkInitiator(egressKey, PROLOGUE);
  const msg1 = noise.writeMessage1(
    encodeHelloPayload({ pathId, streamWindow: 1024 * 1024, sessionWindow: 16 * 1024 * 1024, time }),
  );
  const hello = envelope(MessageType.hello, msg1.length);
  hello.set(msg1, 2);
  return { hello, noise };
}

/** The first message `t` receives, or undefined if it closes (or nothing comes) first. */
export function firstReply(t: PathTransport, timeoutMs = 5000): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    t.onmessage = (m) => {
      clearTimeout(timer);
      resolve(m);
    };
    t.onclose = () => {
      clearTimeout(timer);
      resolve(undefined);
    };
  });
}

export class HostileClient {
  private seq = 0;
  /** Every message the egress sent after HELLO_REPLY. */
  readonly received: Uint8Array[] = [];

  private constructor(
    readonly transport: PathTransport,
    readonly keys: SessionKeys,
    readonly sessionId: Buffer,
    readonly pathId: number,
  ) {
    transport.onmessage = (m) => this.received.push(m);
  }

  /** HELLO on `transport`; the egress must answer HELLO_REPLY. Sends no record. */
  static async connect(transport: PathTransport, egressKey: Uint8Array, pathId = 0): Promise<HostileClient> {
    const { hello, noise } = makeHello(egressKey, pathId);
    const reply = firstReply(transport);
    transport.send(hello);
    const msg = await reply;
    if (msg?.[1] !== MessageType.helloReply) throw new Error(`no HELLO_REPLY (got ${msg?.[1]})`);
    const payload = decodeHelloReplyPayload(noise.readMessage2(msg.subarray(2)));
    return new HostileClient(transport, noise.split(), payload.sessionId, pathId);
  }

  /** Seals `body` as the next record on the path and sends it. */
  sendBody(body: Uint8Array): void {
    const header = recordHeader(this.pathId, this.seq);
    this.transport.send(sealWithHeader(this.keys.send, recordNonce(this.pathId, this.seq), header, body));
    this.seq += 1;
  }

  /** The honest first record (session-v1 §2): ACK 0 and a PING. */
  greet(): void {
    this.sendBody(
      encodeBody(undefined, [
        { type: FrameType.ack, next: 0 },
        { type: FrameType.ping, id: 1 },
      ]),
    );
  }

  /** A reliable record numbered `seq` carrying `frames`. */
  sendReliable(seq: number, frames: Frame[]): void {
    this.sendBody(encodeBody(seq, frames));
  }

  /** An unreliable record of raw frame bytes (for bodies a well-formed encoder would not make). */
  sendRawUnreliable(frames: Buffer): void {
    this.sendBody(Buffer.concat([Buffer.of(0), frames]));
  }
}
