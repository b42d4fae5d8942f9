/**
 * Record bodies and the frames inside them: docs/spec/session-v1.md §3.1 and §4.
 *
 * Body:  flags u8 | [seq u48 if reliable] | frame | frame | ...
 * Frame: type u8 | fields (see FrameType)
 */
import { ProtocolError } from '../shared/errors.js';

/** session-v1 §4 */
export const FrameType = {
  /** Not a frame of its own: the rest of the body is zero bytes (session-v1 §3.1, padding). */
  padding: 0x00,
  ack: 0x01,
  ping: 0x02,
  pong: 0x03,
  pathClosed: 0x04,
  pathAck: 0x05,
  open: 0x10,
  opened: 0x11,
  data: 0x12,
  end: 0x13,
  reset: 0x14,
  maxData: 0x15,
  goAway: 0x16,
  /** session-v1 §4.4: one rendezvous exchange carried to the egress's broker, and its answer. */
  signal: 0x17,
  signalReply: 0x18,
} as const;

export type Frame =
  | { type: typeof FrameType.ack; next: number }
  | { type: typeof FrameType.ping; id: number }
  | { type: typeof FrameType.pong; id: number }
  | { type: typeof FrameType.pathClosed; pathId: number; reason: number }
  | { type: typeof FrameType.pathAck; pathId: number; next: number }
  | { type: typeof FrameType.open; streamId: number; host: string; port: number }
  | { type: typeof FrameType.opened; streamId: number }
  | { type: typeof FrameType.data; streamId: number; data: Buffer }
  | { type: typeof FrameType.end; streamId: number }
  | { type: typeof FrameType.reset; streamId: number; code: number }
  | { type: typeof FrameType.maxData; streamId: number; max: number }
  | { type: typeof FrameType.goAway; deadlineMs: number }
  | { type: typeof FrameType.signal; id: number; route: number; body: Buffer }
  | {
      type: typeof FrameType.signalReply;
      id: number;
      status: number;
      retryAfterMs: number;
      body: Buffer;
    };

/** Frames that may only travel in reliable records (session-v1 §4, column "reliable"). */
export function isReliableFrame(type: number): boolean {
  return type >= FrameType.open;
}

export const RELIABLE_FLAG = 0x01;
export const BODY_HEADER_RELIABLE = 7;
export const BODY_HEADER_UNRELIABLE = 1;
/** type + streamId + len */
export const DATA_FRAME_OVERHEAD = 7;
export const MAX_U48 = 2 ** 48 - 1;

export function frameSize(f: Frame): number {
  switch (f.type) {
    case FrameType.ack:
      return 7;
    case FrameType.ping:
    case FrameType.pong:
    case FrameType.opened:
    case FrameType.end:
    case FrameType.goAway:
      return 5;
    case FrameType.pathClosed:
    case FrameType.reset:
      return 6;
    case FrameType.pathAck:
      return 9;
    case FrameType.open:
      return 8 + Buffer.byteLength(f.host, 'utf8');
    case FrameType.data:
      return DATA_FRAME_OVERHEAD + f.data.length;
    case FrameType.maxData:
      return 11;
    case FrameType.signal:
      return 8 + f.body.length;
    case FrameType.signalReply:
      return 13 + f.body.length;
  }
}

/** Writes `f` into `out` at `off`; returns the offset after it. */
export function writeFrame(out: Buffer, off: number, f: Frame): number {
  out[off] = f.type;
  switch (f.type) {
    case FrameType.ack:
      out.writeUIntBE(f.next, off + 1, 6);
      return off + 7;
    case FrameType.ping:
    case FrameType.pong:
      out.writeUInt32BE(f.id, off + 1);
      return off + 5;
    case FrameType.opened:
    case FrameType.end:
      out.writeUInt32BE(f.streamId, off + 1);
      return off + 5;
    case FrameType.pathClosed:
      out.writeUInt32BE(f.pathId, off + 1);
      out[off + 5] = f.reason;
      return off + 6;
    case FrameType.pathAck:
      out.writeUInt32BE(f.pathId, off + 1);
      out.writeUInt32BE(f.next, off + 5);
      return off + 9;
    case FrameType.reset:
      out.writeUInt32BE(f.streamId, off + 1);
      out[off + 5] = f.code;
      return off + 6;
    case FrameType.open: {
      const host = Buffer.from(f.host, 'utf8');
      if (host.length < 1 || host.length > 255) throw new ProtocolError('OPEN host must be 1..255 bytes');
      out.writeUInt32BE(f.streamId, off + 1);
      out.writeUInt16BE(f.port, off + 5);
      out[off + 7] = host.length;
      out.set(host, off + 8);
      return off + 8 + host.length;
    }
    case FrameType.data:
      out.writeUInt32BE(f.streamId, off + 1);
      out.writeUInt16BE(f.data.length, off + 5);
      out.set(f.data, off + 7);
      return off + 7 + f.data.length;
    case FrameType.maxData:
      out.writeUInt32BE(f.streamId, off + 1);
      out.writeUIntBE(f.max, off + 5, 6);
      return off + 11;
    case FrameType.goAway:
      out.writeUInt32BE(f.deadlineMs, off + 1);
      return off + 5;
    case FrameType.signal:
      out.writeUInt32BE(f.id, off + 1);
      out[off + 5] = f.route;
      out.writeUInt16BE(f.body.length, off + 6);
      out.set(f.body, off + 8);
      return off + 8 + f.body.length;
    case FrameType.signalReply:
      out.writeUInt32BE(f.id, off + 1);
      out.writeUInt16BE(f.status, off + 5);
      out.writeUInt32BE(f.retryAfterMs, off + 7);
      out.writeUInt16BE(f.body.length, off + 11);
      out.set(f.body, off + 13);
      return off + 13 + f.body.length;
  }
}

/**
 * session-v1 §3.1, padding: a body shorter than the largest bucket is sent padded with zeros to the next one,
 * so small records (control, interactive traffic) come in a few sizes, not in sizes that say what they are.
 */
export const PAD_BUCKETS: readonly number[] = [128, 512, 1024];

/** `body` padded to its bucket (session-v1 §3.1); bodies of the largest bucket or more are returned as they are. */
export function padBody(body: Uint8Array): Uint8Array {
  let size = body.length;
  for (const bucket of PAD_BUCKETS) {
    if (size <= bucket) {
      size = bucket;
      break;
    }
  }
  if (size === body.length) return body;
  const out = new Uint8Array(size);
  out.set(body);
  return out;
}

/** Encodes a record body (session-v1 §3.1); `seq` undefined means unreliable. */
export function encodeBody(seq: number | undefined, frames: readonly Frame[]): Buffer {
  let size = seq === undefined ? BODY_HEADER_UNRELIABLE : BODY_HEADER_RELIABLE;
  for (const f of frames) size += frameSize(f);
  const out = Buffer.allocUnsafe(size);
  let off: number;
  if (seq === undefined) {
    out[0] = 0;
    off = 1;
  } else {
    out[0] = RELIABLE_FLAG;
    out.writeUIntBE(seq, 1, 6);
    off = 7;
  }
  for (const f of frames) off = writeFrame(out, off, f);
  return out;
}

export interface Body {
  /** reliable sequence number, or undefined for an unreliable record */
  seq: number | undefined;
  frames: Frame[];
}

function need(b: Buffer, off: number, n: number): void {
  if (off + n > b.length) throw new ProtocolError('frame runs past the end of its record');
}

/** Decodes a record body; frames' data are views into `b` (no copy). Throws ProtocolError. */
export function decodeBody(b: Buffer): Body {
  need(b, 0, 1);
  const flags = b[0]!;
  if ((flags & ~RELIABLE_FLAG) !== 0) throw new ProtocolError(`unknown body flags ${flags}`);
  let off = 1;
  let seq: number | undefined;
  if (flags & RELIABLE_FLAG) {
    need(b, 1, 6);
    seq = b.readUIntBE(1, 6);
    off = 7;
  }
  const frames: Frame[] = [];
  while (off < b.length) {
    const type = b[off]!;
    off += 1;
    if (type === FrameType.padding) {
      // Zero to the end, so padding carries nothing but its length.
      for (let i = off; i < b.length; i++)
        if (b[i] !== 0) throw new ProtocolError('padding that is not zero');
      break;
    }
    if (seq === undefined && isReliableFrame(type)) {
      throw new ProtocolError(`frame type ${type} in an unreliable record`);
    }
    switch (type) {
      case FrameType.ack:
        need(b, off, 6);
        frames.push({ type, next: b.readUIntBE(off, 6) });
        off += 6;
        break;
      case FrameType.ping:
      case FrameType.pong:
        need(b, off, 4);
        frames.push({ type, id: b.readUInt32BE(off) });
        off += 4;
        break;
      case FrameType.opened:
      case FrameType.end:
        need(b, off, 4);
        frames.push({ type, streamId: b.readUInt32BE(off) });
        off += 4;
        break;
      case FrameType.pathClosed:
        need(b, off, 5);
        frames.push({ type, pathId: b.readUInt32BE(off), reason: b[off + 4]! });
        off += 5;
        break;
      case FrameType.pathAck:
        need(b, off, 8);
        frames.push({ type, pathId: b.readUInt32BE(off), next: b.readUInt32BE(off + 4) });
        off += 8;
        break;
      case FrameType.reset:
        need(b, off, 5);
        frames.push({ type, streamId: b.readUInt32BE(off), code: b[off + 4]! });
        off += 5;
        break;
      case FrameType.open: {
        need(b, off, 7);
        const streamId = b.readUInt32BE(off);
        const port = b.readUInt16BE(off + 4);
        const len = b[off + 6]!;
        if (len === 0) throw new ProtocolError('OPEN with an empty host');
        need(b, off + 7, len);
        const host = b.toString('utf8', off + 7, off + 7 + len);
        frames.push({ type, streamId, host, port });
        off += 7 + len;
        break;
      }
      case FrameType.data: {
        need(b, off, 6);
        const streamId = b.readUInt32BE(off);
        const len = b.readUInt16BE(off + 4);
        if (len === 0) throw new ProtocolError('DATA with no bytes');
        need(b, off + 6, len);
        frames.push({ type, streamId, data: b.subarray(off + 6, off + 6 + len) });
        off += 6 + len;
        break;
      }
      case FrameType.maxData:
        need(b, off, 10);
        frames.push({ type, streamId: b.readUInt32BE(off), max: b.readUIntBE(off + 4, 6) });
        off += 10;
        break;
      case FrameType.goAway:
        need(b, off, 4);
        frames.push({ type, deadlineMs: b.readUInt32BE(off) });
        off += 4;
        break;
      case FrameType.signal: {
        need(b, off, 7);
        const len = b.readUInt16BE(off + 5);
        need(b, off + 7, len);
        const body = b.subarray(off + 7, off + 7 + len);
        frames.push({ type, id: b.readUInt32BE(off), route: b[off + 4]!, body });
        off += 7 + len;
        break;
      }
      case FrameType.signalReply: {
        need(b, off, 12);
        const len = b.readUInt16BE(off + 10);
        need(b, off + 12, len);
        frames.push({
          type,
          id: b.readUInt32BE(off),
          status: b.readUInt16BE(off + 4),
          retryAfterMs: b.readUInt32BE(off + 6),
          body: b.subarray(off + 12, off + 12 + len),
        });
        off += 12 + len;
        break;
      }
      default:
        throw new ProtocolError(`unknown frame type ${type}`);
    }
  }
  if (frames.length === 0) throw new ProtocolError('record with no frames');
  if (seq === undefined) checkOnePerType(frames);
  return { seq, frames };
}

/** session-v1 §3.1: an unreliable record carries at most one frame of each type (one PING, one PONG answer). */
function checkOnePerType(frames: readonly Frame[]): void {
  let seen = 0;
  for (const f of frames) {
    const bit = 1 << f.type;
    if (seen & bit) throw new ProtocolError(`two frames of type ${f.type} in one unreliable record`);
    seen |= bit;
  }
}
