/**
 * Byte layouts of the session protocol's path messages: envelope, HELLO, JOIN, RECORD header, REFUSE.
 * The one normative description is docs/spec/session-v1.md; sections are cited below.
 */
import { ProtocolError } from '../shared/errors.js';
import { AEAD_TAG_BYTES } from './aead.js';

/** session-v1 §1 */
export const VERSION = 0x01;

/** session-v1 §1: message types. */
export const MessageType = {
  hello: 0x01,
  helloReply: 0x02,
  join: 0x03,
  record: 0x10,
  goodbye: 0x7e,
  refuse: 0x7f,
} as const;

/** session-v1 §2: Noise prologue. */
export const PROLOGUE = new TextEncoder().encode('starling/1');

/** session-v1 §3: envelope (2) + pathId (4) + pathSeq (4). */
export const RECORD_HEADER_BYTES = 10;
/** session-v1 §5.1: envelope (2) + sessionId (16) + pathId (4) + tag (16). */
export const JOIN_BYTES = 38;
export const SESSION_ID_BYTES = 16;

/** session-v1 §6 */
export const RefuseCode = {
  badHandshake: 1,
  unknownSession: 2,
  badJoin: 3,
  busy: 4,
  protocol: 5,
} as const;

/** Returns the message type after checking the envelope (session-v1 §1). */
export function messageType(msg: Uint8Array, maxBytes: number): number {
  if (msg.length < 2) throw new ProtocolError('message shorter than its envelope');
  if (msg.length > maxBytes) throw new ProtocolError(`message of ${msg.length} bytes exceeds ${maxBytes}`);
  if (msg[0] !== VERSION) throw new ProtocolError(`unsupported version ${msg[0]}`);
  return msg[1]!;
}

export function envelope(type: number, bodyLength: number): Buffer {
  const out = Buffer.allocUnsafe(2 + bodyLength);
  out[0] = VERSION;
  out[1] = type;
  return out;
}

/** session-v1 §3: the 12-byte nonce `pathId || 0^4 || pathSeq`. */
export function recordNonce(pathId: number, pathSeq: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(pathId, 0);
  nonce.writeUInt32BE(pathSeq, 8);
  return nonce;
}

export function recordHeader(pathId: number, pathSeq: number): Buffer {
  const h = envelope(MessageType.record, 8);
  h.writeUInt32BE(pathId, 2);
  h.writeUInt32BE(pathSeq, 6);
  return h;
}

/** session-v1 §3: the largest record body whose sealed record stays within `maxMessageBytes`. */
export function maxRecordBody(maxMessageBytes: number): number {
  return maxMessageBytes - RECORD_HEADER_BYTES - AEAD_TAG_BYTES;
}

export interface RecordHeader {
  pathId: number;
  pathSeq: number;
}

/** `msg` as a Buffer over the same bytes (no copy), once it has at least `min` of them. */
function view(msg: Uint8Array, min: number, what: string): Buffer {
  if (msg.length < min) throw new ProtocolError(`${what} too short`);
  return Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
}

export function readRecordHeader(msg: Uint8Array): RecordHeader {
  const b = view(msg, RECORD_HEADER_BYTES + AEAD_TAG_BYTES + 1, 'record');
  return { pathId: b.readUInt32BE(2), pathSeq: b.readUInt32BE(6) };
}

/** session-v1 §5.1: JOIN nonce `0^8 || pathId`. */
export function joinNonce(pathId: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(pathId, 8);
  return nonce;
}

export interface JoinFields {
  sessionId: Buffer;
  pathId: number;
  /** bytes 0..21, the associated data of the tag */
  signed: Buffer;
  tag: Buffer;
}

export function encodeJoinHead(sessionId: Uint8Array, pathId: number): Buffer {
  const head = envelope(MessageType.join, SESSION_ID_BYTES + 4);
  head.set(sessionId, 2);
  head.writeUInt32BE(pathId, 2 + SESSION_ID_BYTES);
  return head;
}

export function decodeJoin(msg: Uint8Array): JoinFields {
  if (msg.length !== JOIN_BYTES) throw new ProtocolError(`JOIN must be ${JOIN_BYTES} bytes`);
  const b = view(msg, JOIN_BYTES, 'JOIN');
  return {
    sessionId: b.subarray(2, 2 + SESSION_ID_BYTES),
    pathId: b.readUInt32BE(2 + SESSION_ID_BYTES),
    signed: b.subarray(0, 22),
    tag: b.subarray(22),
  };
}

/** session-v1 §6 */
export function encodeRefuse(code: number, reason: string): Buffer {
  const text = Buffer.from(reason.slice(0, 200), 'utf8').subarray(0, 200);
  const out = envelope(MessageType.refuse, 1 + text.length);
  out[2] = code;
  out.set(text, 3);
  return out;
}

export function decodeRefuse(msg: Uint8Array): { code: number; reason: string } {
  if (msg.length < 3) throw new ProtocolError('REFUSE too short');
  return { code: msg[2]!, reason: Buffer.from(msg.subarray(3, 203)).toString('utf8') };
}

/** session-v1 §2: the smallest stream window a HELLO or HELLO_REPLY may announce, bytes. */
export const MIN_STREAM_WINDOW = 1024;

/** session-v1 §2: the two receive windows each side announces, bytes, as two u32 in both payloads. */
export interface Windows {
  streamWindow: number;
  sessionWindow: number;
}

/**
 * session-v1 §2: announced windows are usable if the stream window is at least MIN_STREAM_WINDOW and the
 * session window at least the stream window. Both ends check the other's, and their own options.
 */
export function usableWindows(w: Windows): boolean {
  return w.streamWindow >= MIN_STREAM_WINDOW && w.sessionWindow >= w.streamWindow;
}

function writeWindows(b: Buffer, off: number, w: Windows): void {
  b.writeUInt32BE(w.streamWindow, off);
  b.writeUInt32BE(w.sessionWindow, off + 4);
}

function readWindows(b: Buffer, off: number): Windows {
  return { streamWindow: b.readUInt32BE(off), sessionWindow: b.readUInt32BE(off + 4) };
}

/** session-v1 §2: HELLO payload (client -> egress): pathId, the windows, the client's clock. */
export interface HelloPayload extends Windows {
  pathId: number;
  /** ms since the Unix epoch when the HELLO was made (u48); the egress admits it within a window (§2.1). */
  time: number;
}

const HELLO_PAYLOAD_BYTES = 18;

export function encodeHelloPayload(p: HelloPayload): Buffer {
  const b = Buffer.allocUnsafe(HELLO_PAYLOAD_BYTES);
  b.writeUInt32BE(p.pathId, 0);
  writeWindows(b, 4, p);
  b.writeUIntBE(p.time, 12, 6);
  return b;
}

export function decodeHelloPayload(payload: Uint8Array): HelloPayload {
  const b = view(payload, HELLO_PAYLOAD_BYTES, 'HELLO payload');
  return { pathId: b.readUInt32BE(0), ...readWindows(b, 4), time: b.readUIntBE(12, 6) };
}

/** session-v1 §2.1: the ephemeral key `e` of a HELLO (the first 32 bytes of Noise message 1), for the replay cache. */
export function helloEphemeral(msg: Uint8Array): Uint8Array {
  if (msg.length < 2 + 32) throw new ProtocolError('HELLO too short');
  return msg.subarray(2, 34);
}

/** session-v1 §2: HELLO_REPLY payload (egress -> client): sessionId, the windows, idleTimeoutMs. */
export interface HelloReplyPayload extends Windows {
  sessionId: Buffer;
  idleTimeoutMs: number;
}

export function encodeHelloReplyPayload(p: HelloReplyPayload): Buffer {
  const b = Buffer.allocUnsafe(28);
  b.set(p.sessionId, 0);
  writeWindows(b, SESSION_ID_BYTES, p);
  b.writeUInt32BE(p.idleTimeoutMs, 24);
  return b;
}

export function decodeHelloReplyPayload(payload: Uint8Array): HelloReplyPayload {
  const b = view(payload, 28, 'HELLO_REPLY payload');
  return {
    sessionId: Buffer.from(b.subarray(0, SESSION_ID_BYTES)),
    ...readWindows(b, SESSION_ID_BYTES),
    idleTimeoutMs: b.readUInt32BE(24),
  };
}
