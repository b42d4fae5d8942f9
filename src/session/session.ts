/**
 * The session core shared by client and egress: reliable, numbered records over any number of paths,
 * resend on path loss, in-order delivery, streams and their credit (docs/spec/session-v1.md §3-§5).
 * It knows paths only as PathTransport, so in-memory pairs test it as well as real data channels.
 */
import { EventEmitter } from 'node:events';
import { ProtocolError, type ResetReason, resetReasonFromCode, StreamError } from '../shared/errors.js';
import { SESSION_DEFAULTS, type SessionOptions } from '../shared/limits.js';
import { CloseCode } from '../shared/path.js';
import {
  BODY_HEADER_RELIABLE,
  DATA_FRAME_OVERHEAD,
  decodeBody,
  encodeBody,
  type Frame,
  FrameType,
  frameSize,
} from './frames.js';
import type { SessionKeys } from './noise.js';
import { PathState } from './path-state.js';
import { ReorderBuffer } from './reorder.js';
import { SendBuffer } from './send-buffer.js';
import { resetCode, SessionStream, type StreamHost } from './stream.js';
import type { PathTransport } from './transport.js';
import { MessageType, messageType, RECORD_HEADER_BYTES, TAG_BYTES } from './wire.js';

type MaxDataFrame = Extract<Frame, { type: typeof FrameType.maxData }>;

/** session-v1 §5.1: how far below the highest path id a JOIN may still arrive. */
export const PATH_ID_WINDOW = 64;

export interface SessionInit {
  role: 'client' | 'egress';
  sessionId: Buffer;
  keys: SessionKeys;
  peerStreamWindow: number;
  peerSessionWindow: number;
  options?: Partial<SessionOptions>;
}

export interface SessionStats {
  paths: number;
  streams: number;
  unackedRecords: number;
  bufferedRecords: number;
  resentRecords: number;
}

/**
 * Events: 'stream' (stream, host, port) on the egress for each OPEN; 'path-closed' (pathId, code, reason);
 * 'path-leaving' (pathId); 'no-paths'; 'closed' (error?).
 */
export class Session extends EventEmitter implements StreamHost {
  readonly role: 'client' | 'egress';
  readonly id: Buffer;
  readonly options: SessionOptions;
  private readonly keys: SessionKeys;
  private readonly paths = new Map<number, PathState>();
  private readonly streams = new Map<number, SessionStream>();
  private nextStreamId = 1;
  private readonly pendingOpens = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** session-v1 §3.1 send side */
  private readonly sent = new SendBuffer();
  private readonly control: Frame[] = [];
  /** MAX_DATA frames still queued, by stream, so a newer grant updates the queued one (session-v1 §4.3). */
  private readonly maxDataPending = new Map<number, MaxDataFrame>();
  private readonly sendable = new Set<SessionStream>();
  /** session-v1 §3.1 receive side */
  private readonly received: ReorderBuffer;
  private ackPath: PathState | undefined;
  /** session-v1 §4.3 session-wide credit */
  private peerSessionMax: number;
  private sessionSent = 0;
  private localSessionMax: number;
  private sessionConsumed = 0;
  private sessionRecv = 0;
  private flushScheduled = false;
  private flushing = false;
  private readonly timer: NodeJS.Timeout;
  private maxPathId = -1;
  private readonly usedPathIds = new Set<number>();
  resentRecords = 0;
  closed = false;

  private readonly peerStreamWindow: number;

  constructor(init: SessionInit) {
    super();
    this.role = init.role;
    this.id = init.sessionId;
    this.keys = init.keys;
    this.options = { ...SESSION_DEFAULTS, ...init.options };
    this.peerSessionMax = init.peerSessionWindow;
    this.peerStreamWindow = init.peerStreamWindow;
    this.localSessionMax = this.options.sessionWindow;
    this.received = new ReorderBuffer(this.options.reorderWindow);
    const tick = Math.max(20, Math.min(this.options.pingIntervalMs, this.options.pathTimeoutMs) / 2);
    this.timer = setInterval(() => this.checkLiveness(), tick);
    this.timer.unref();
  }

  get pathCount(): number {
    let n = 0;
    for (const p of this.paths.values()) if (!p.leaving) n += 1;
    return n;
  }

  get pathIds(): number[] {
    return [...this.paths.keys()];
  }

  /** Seals JOIN messages (session-v1 §5.1). */
  get joinKey(): Uint8Array {
    return this.keys.join;
  }

  /**
   * session-v1 §5.1: a path id may join if it was never used and is no more than PATH_ID_WINDOW below the
   * highest so far (joins racing on different volunteers may arrive out of order; an old JOIN cannot come back).
   */
  canUsePathId(pathId: number): boolean {
    return !this.usedPathIds.has(pathId) && pathId > this.maxPathId - PATH_ID_WINDOW;
  }

  get stats(): SessionStats {
    return {
      paths: this.paths.size,
      streams: this.streams.size,
      unackedRecords: this.sent.size,
      bufferedRecords: this.received.buffered,
      resentRecords: this.resentRecords,
    };
  }

  /** Attaches a path whose handshake or JOIN succeeded (session-v1 §5.1). */
  addPath(pathId: number, transport: PathTransport, backlog: Uint8Array[] = []): void {
    if (this.closed) {
      transport.close(CloseCode.goingAway, 'session closed');
      return;
    }
    if (!this.canUsePathId(pathId)) throw new ProtocolError(`path id ${pathId} reused or too old`);
    this.maxPathId = Math.max(this.maxPathId, pathId);
    this.usedPathIds.add(pathId);
    for (const old of this.usedPathIds) {
      if (old > this.maxPathId - PATH_ID_WINDOW) break;
      this.usedPathIds.delete(old);
    }
    const path = new PathState(pathId, transport, this.keys.send, this.keys.recv);
    this.paths.set(pathId, path);
    transport.onmessage = (msg) => this.onMessage(path, msg);
    transport.onclose = (code, reason) => this.onPathClosed(path, code, reason, true);
    transport.ondrain = () => this.scheduleFlush();
    this.emit('path-added', pathId);
    for (const msg of backlog) this.onMessage(path, msg);
    this.scheduleFlush();
  }

  /** Accepts a path and tells the peer at once with an ACK record (session-v1 §5.1, egress side). */
  addJoinedPath(pathId: number, transport: PathTransport, backlog: Uint8Array[] = []): void {
    this.addPath(pathId, transport, backlog);
    const path = this.paths.get(pathId);
    if (path) path.sendRecord(encodeBody(undefined, [{ type: FrameType.ack, next: this.received.next }]));
  }

  /** Client: opens a stream to host:port; resolves when the egress has connected (session-v1 §4.1). */
  openStream(host: string, port: number): Promise<SessionStream> {
    if (this.closed) return Promise.reject(new StreamError('closed', 'session closed'));
    if (this.streams.size >= this.options.maxStreams) {
      return Promise.reject(new StreamError('refused', 'too many streams in this session'));
    }
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SessionStream(id, this, this.peerStreamWindow, this.options.streamWindow);
    this.streams.set(id, stream);
    this.control.push({ type: FrameType.open, streamId: id, host, port });
    this.scheduleFlush();
    return new Promise((resolve, reject) => {
      this.pendingOpens.set(id, {
        resolve: () => resolve(stream),
        reject: (e) => {
          stream.destroy();
          reject(e);
        },
      });
    });
  }

  /** Egress: the destination is connected (OPENED) or not (RESET). */
  acceptStream(stream: SessionStream): void {
    this.control.push({ type: FrameType.opened, streamId: stream.id });
    this.scheduleFlush();
  }

  rejectStream(stream: SessionStream, reason: ResetReason): void {
    stream.reset(reason);
  }

  /** Closes a path on purpose (e.g. replaced); its records are resent elsewhere. */
  dropPath(pathId: number, code: number, reason: string): void {
    const path = this.paths.get(pathId);
    if (path) this.onPathClosed(path, code, reason, false);
  }

  /** Ends the session: every stream is reset, every path closed. */
  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.ackTimer);
    for (const p of this.pendingOpens.values()) p.reject(new StreamError('closed', 'session closed'));
    this.pendingOpens.clear();
    for (const s of [...this.streams.values()]) s.destroy(new StreamError('closed', 'session closed'));
    this.streams.clear();
    for (const p of this.paths.values()) {
      p.closed = true;
      p.transport.onclose = null;
      p.transport.onmessage = null;
      p.transport.close(CloseCode.normal, 'session closed');
    }
    this.paths.clear();
    this.sent.clear();
    this.received.clear();
    this.emit('closed', error);
  }

  // ---- StreamHost -------------------------------------------------------------------------------

  wakeSender(stream: SessionStream): void {
    this.sendable.add(stream);
    this.scheduleFlush();
  }

  consumed(stream: SessionStream, bytes: number): void {
    this.sessionConsumed += bytes;
    const w = stream.localWindow;
    if (
      this.streams.get(stream.id) === stream &&
      !stream.endReceived &&
      stream.recvOffset - stream.readableLength + w - stream.localMax >= w / 2
    ) {
      stream.localMax = stream.recvOffset - stream.readableLength + w;
      this.queueMaxData(stream.id, stream.localMax);
    }
    this.maybeGrantSession();
  }

  released(stream: SessionStream, reset: ResetReason | undefined, discardsUnread: boolean): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    this.sendable.delete(stream);
    this.maxDataPending.delete(stream.id);
    // Bytes the application will never read still count as consumed for the session's credit.
    if (discardsUnread && stream.readableLength > 0) {
      this.sessionConsumed += stream.readableLength;
      this.maybeGrantSession();
    }
    const pending = this.pendingOpens.get(stream.id);
    if (pending) {
      this.pendingOpens.delete(stream.id);
      pending.reject(new StreamError(reset ?? 'closed'));
    }
    if (reset !== undefined && !this.closed) {
      this.control.push({ type: FrameType.reset, streamId: stream.id, code: resetCode(reset) });
      this.scheduleFlush();
    }
  }

  // ---- receiving --------------------------------------------------------------------------------

  private onMessage(path: PathState, msg: Uint8Array): void {
    if (path.closed) return;
    try {
      const type = messageType(msg, this.options.maxMessageBytes);
      if (type === MessageType.goodbye) {
        this.onGoodbye(path);
        return;
      }
      if (type !== MessageType.record) throw new ProtocolError(`unexpected message type ${type} on a path`);
      let body: Buffer;
      try {
        body = path.openRecord(msg);
      } catch (e) {
        this.failPath(path, CloseCode.badRecord, (e as Error).message);
        return;
      }
      this.onBody(path, decodeBody(body));
    } catch (e) {
      // A broken rule closes the path; anything else is our bug, and it too costs only this path (its
      // records are resent on the others) rather than the whole process and every user's connection.
      const reason = e instanceof ProtocolError ? e.message : `internal error: ${(e as Error).stack ?? e}`;
      if (!(e instanceof ProtocolError)) this.emit('internal-error', e);
      this.failPath(path, CloseCode.protocol, reason);
    }
  }

  private onBody(path: PathState, body: ReturnType<typeof decodeBody>): void {
    if (body.seq === undefined) {
      for (const f of body.frames) this.onUnreliable(path, f);
      return;
    }
    this.ackPath = path;
    this.noteForAck();
    for (const frames of this.received.accept(body.seq, body.frames)) this.deliver(frames);
  }

  private onUnreliable(path: PathState, f: Frame): void {
    switch (f.type) {
      case FrameType.ack:
        this.onAck(f.next);
        break;
      case FrameType.ping:
        path.sendRecord(encodeBody(undefined, [{ type: FrameType.pong, id: f.id }]));
        break;
      case FrameType.pong:
        if (f.id === path.pingId && path.pingSentAt > 0) {
          const sample = Date.now() - path.pingSentAt;
          path.rttMs = Number.isFinite(path.rttMs) ? 0.8 * path.rttMs + 0.2 * sample : sample;
          path.pingSentAt = 0;
        }
        break;
      case FrameType.pathClosed: {
        const dead = this.paths.get(f.pathId);
        if (dead && dead !== path)
          this.onPathClosed(dead, CloseCode.goingAway, 'peer saw the path close', false);
        break;
      }
      default:
        throw new ProtocolError(`frame ${f.type} must be reliable`);
    }
  }

  private onAck(next: number): void {
    let freed = false;
    this.sent.ack(next, (u) => {
      const path = this.paths.get(u.pathId);
      if (path) {
        path.inflight -= u.body.length;
        freed = true;
      }
    });
    if (freed) this.scheduleFlush();
  }

  private deliver(frames: Frame[]): void {
    for (const f of frames) {
      switch (f.type) {
        case FrameType.open:
          this.onOpen(f.streamId, f.host, f.port);
          break;
        case FrameType.opened: {
          const p = this.pendingOpens.get(f.streamId);
          if (p) {
            this.pendingOpens.delete(f.streamId);
            p.resolve();
          }
          break;
        }
        case FrameType.data:
          this.onData(f.streamId, f.data);
          break;
        case FrameType.end:
          this.streams.get(f.streamId)?.deliverEnd();
          break;
        case FrameType.reset: {
          const s = this.streams.get(f.streamId);
          if (!s) break;
          const reason = resetReasonFromCode(f.code);
          const p = this.pendingOpens.get(f.streamId);
          if (p) {
            this.pendingOpens.delete(f.streamId);
            this.streams.delete(f.streamId);
            this.sendable.delete(s);
            p.reject(new StreamError(reason));
            s.destroy();
          } else s.resetByPeer(f.code, reason);
          break;
        }
        case FrameType.maxData:
          this.onMaxData(f.streamId, f.max);
          break;
        default:
          throw new ProtocolError(`frame ${f.type} may not be reliable`);
      }
    }
  }

  private onOpen(streamId: number, host: string, port: number): void {
    if (this.role !== 'egress' || streamId % 2 !== 1) throw new ProtocolError('OPEN from the wrong side');
    if (this.streams.has(streamId)) throw new ProtocolError(`stream ${streamId} opened twice`);
    if (this.streams.size >= this.options.maxStreams) {
      // A well-behaved client never opens past maxStreams; one that keeps doing it while not reading our
      // RESETs would grow the control queue without end. A legitimate queue holds at most about three frames
      // per stream (OPENED, RESET, MAX_DATA).
      if (this.control.length >= 4 * this.options.maxStreams)
        throw new ProtocolError('OPEN flood past maxStreams');
      this.control.push({ type: FrameType.reset, streamId, code: resetCode('refused') });
      this.scheduleFlush();
      return;
    }
    const stream = new SessionStream(streamId, this, this.peerStreamWindow, this.options.streamWindow);
    this.streams.set(streamId, stream);
    this.emit('stream', stream, host, port);
  }

  private onData(streamId: number, data: Buffer): void {
    this.sessionRecv += data.length;
    if (this.sessionRecv > this.localSessionMax) throw new ProtocolError('peer exceeded the session window');
    const s = this.streams.get(streamId);
    if (!s) {
      this.sessionConsumed += data.length; // stream already gone: drop, but keep the credit honest
      this.maybeGrantSession();
      return;
    }
    if (!s.deliver(data)) {
      this.sessionConsumed += data.length;
      s.destroy(new StreamError('flow-control', 'peer exceeded the stream window'));
    }
  }

  private onMaxData(streamId: number, max: number): void {
    if (streamId === 0) {
      if (max > this.peerSessionMax) {
        this.peerSessionMax = max;
        for (const s of this.streams.values()) if (s.hasSomethingToSend) this.sendable.add(s);
      }
    } else {
      const s = this.streams.get(streamId);
      if (s && max > s.peerMax) {
        s.peerMax = max;
        if (s.hasSomethingToSend) this.sendable.add(s);
      }
    }
    this.scheduleFlush();
  }

  private queueMaxData(streamId: number, max: number): void {
    const pending = this.maxDataPending.get(streamId);
    if (pending) {
      pending.max = max;
      return;
    }
    const frame: MaxDataFrame = { type: FrameType.maxData, streamId, max };
    this.maxDataPending.set(streamId, frame);
    this.control.push(frame);
    this.scheduleFlush();
  }

  private maybeGrantSession(): void {
    const w = this.options.sessionWindow;
    if (this.sessionConsumed + w - this.localSessionMax >= w / 2) {
      this.localSessionMax = this.sessionConsumed + w;
      this.queueMaxData(0, this.localSessionMax);
    }
  }

  // ---- paths ------------------------------------------------------------------------------------

  private onGoodbye(path: PathState): void {
    if (path.leaving) return;
    path.leaving = true;
    this.requeue(path.id);
    this.emit('path-leaving', path.id);
    this.scheduleFlush();
  }

  private failPath(path: PathState, code: number, reason: string): void {
    this.onPathClosed(path, code, reason, false);
  }

  private onPathClosed(path: PathState, code: number, reason: string, byTransport: boolean): void {
    if (path.closed) return;
    path.closed = true;
    this.paths.delete(path.id);
    path.transport.onmessage = null;
    path.transport.onclose = null;
    path.transport.ondrain = null;
    if (!byTransport) path.transport.close(code, reason.slice(0, 100));
    if (this.ackPath === path) this.ackPath = undefined;
    this.requeue(path.id);
    if (this.role === 'egress') this.tellPathClosed(path.id);
    this.emit('path-closed', path.id, code, reason);
    if (this.paths.size === 0) this.emit('no-paths');
    this.scheduleFlush();
  }

  /** session-v1 §5.2: the egress tells the client over a surviving path. */
  private tellPathClosed(pathId: number): void {
    const frames: Frame[] = [{ type: FrameType.pathClosed, pathId, reason: 0 }];
    for (const p of this.paths.values()) {
      if (!p.closed) p.sendRecord(encodeBody(undefined, frames));
    }
  }

  /** Moves the unacknowledged records last sent on `pathId` to the resend queue, in seq order. */
  private requeue(pathId: number): void {
    const path = this.paths.get(pathId);
    if (path) path.inflight = 0;
    if (this.sent.requeue(pathId) === 0) return;
    // A fresh ACK on a surviving path, in case the last one travelled on the dead path.
    if (this.received.next > 0) this.ackPath = undefined;
    this.ackDue = true;
  }

  /** An ACK must go out with the next flush. */
  private ackDue = false;
  /** Reliable records received since the last ACK, and the timer that sends one anyway. */
  private recordsSinceAck = 0;
  private ackTimer: NodeJS.Timeout | undefined;

  /**
   * session-v1 §5.3: every path is pinged each `pingIntervalMs` (one PING outstanding at a time), so round
   * trips are measured under load too; a path silent for `pathTimeoutMs`, or four smoothed round trips if
   * longer, is abandoned.
   */
  private checkLiveness(): void {
    const now = Date.now();
    for (const p of [...this.paths.values()]) {
      const limit = Math.max(this.options.pathTimeoutMs, Number.isFinite(p.rttMs) ? 4 * p.rttMs : 0);
      if (now - p.lastReceived > limit) {
        this.failPath(p, CloseCode.timeout, `no message for ${now - p.lastReceived} ms`);
        continue;
      }
      if (p.exhausted) {
        this.failPath(p, CloseCode.normal, 'path sequence exhausted');
        continue;
      }
      const pingDue = p.pingSentAt === 0 && now - p.lastPingAt >= this.options.pingIntervalMs;
      if (pingDue || (p.pingSentAt !== 0 && now - p.pingSentAt > limit / 2)) {
        p.pingId = (p.pingId + 1) >>> 0;
        p.pingSentAt = now;
        p.lastPingAt = now;
        p.sendRecord(encodeBody(undefined, [{ type: FrameType.ping, id: p.pingId }]));
      }
    }
  }

  // ---- sending ----------------------------------------------------------------------------------

  scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Picks a path for the next record (session-v1 §5.4): among paths below their in-flight cap and local
   * high-water mark, bulk records go to the one with the least in flight (so paths are striped by how fast they
   * drain), small ones to the one with the lowest round trip.
   */
  private pickPath(small: boolean): PathState | undefined {
    let best: PathState | undefined;
    for (const p of this.paths.values()) {
      if (p.leaving || p.closed) continue;
      if (p.inflight >= this.options.pathMaxInflight) continue;
      if (p.transport.bufferedAmount >= this.options.pathHighWater) continue;
      if (!best) best = p;
      else if (small ? p.rttMs < best.rttMs : p.inflight < best.inflight) best = p;
    }
    return best;
  }

  private flush(): void {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      this.sendAck();
      // Room for the DATA bytes plus a few control frames, within one path message (session-v1 §1, §3).
      const maxBody = Math.min(
        this.options.maxDataFrameBytes + 64,
        this.options.maxMessageBytes - RECORD_HEADER_BYTES - TAG_BYTES,
      );
      for (;;) {
        if (this.sent.peekResend()) {
          const path = this.pickPath(false);
          if (!path) break;
          const u = this.sent.takeResend(path.id);
          path.inflight += u.body.length;
          this.resentRecords += 1;
          path.sendRecord(u.body);
          continue;
        }
        const frames: Frame[] = [];
        let size = BODY_HEADER_RELIABLE;
        while (this.control.length > 0 && size + frameSize(this.control[0]!) <= maxBody) {
          const f = this.control.shift()!;
          if (f.type === FrameType.maxData) this.maxDataPending.delete(f.streamId);
          frames.push(f);
          size += frameSize(f);
        }
        const small = frames.length > 0 && this.sendable.size === 0;
        const path = this.pickPath(small);
        if (!path) {
          this.control.unshift(...frames);
          for (const f of frames) if (f.type === FrameType.maxData) this.maxDataPending.set(f.streamId, f);
          break;
        }
        this.fillData(frames, maxBody - size);
        if (frames.length === 0) break;
        const body = encodeBody(this.sent.nextSeq, frames);
        this.sent.add(body, path.id);
        path.inflight += body.length;
        path.sendRecord(body);
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Adds DATA (and END) frames from streams with credit, round-robin, into `room` bytes. A stream puts one
   * DATA frame per queued chunk, as many as fit, so records stay full however its source chunks the bytes.
   */
  private fillData(frames: Frame[], room: number): void {
    for (const s of [...this.sendable]) {
      if (room <= DATA_FRAME_OVERHEAD) break;
      for (;;) {
        const sessionCredit = this.peerSessionMax - this.sessionSent;
        const max = Math.min(room - DATA_FRAME_OVERHEAD, s.credit, sessionCredit, 65_535);
        const chunk = s.takeChunk(max);
        if (!chunk) break;
        frames.push({ type: FrameType.data, streamId: s.id, data: chunk });
        room -= DATA_FRAME_OVERHEAD + chunk.length;
        this.sessionSent += chunk.length;
      }
      if (s.queuedBytes === 0 && s.endPending && !s.endSent && room >= 5) {
        frames.push({ type: FrameType.end, streamId: s.id });
        room -= 5;
        s.markEndSent();
      }
      // Round-robin: a stream that can still send goes to the back.
      this.sendable.delete(s);
      const canSend = (s.queuedBytes > 0 && s.credit > 0) || (s.endPending && !s.endSent);
      if (canSend && !s.destroyed) this.sendable.add(s);
    }
  }

  /**
   * A reliable record arrived (session-v1 §3.1): ACK at once after `ackEveryRecords` of them, else at most
   * `ackDelayMs` later. Fewer ACKs save a path message, an AEAD seal and an open per record or two.
   */
  private noteForAck(): void {
    this.recordsSinceAck += 1;
    if (this.recordsSinceAck >= this.options.ackEveryRecords) {
      this.ackDue = true;
      this.scheduleFlush();
    } else if (this.ackTimer === undefined) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = undefined;
        this.ackDue = true;
        this.scheduleFlush();
      }, this.options.ackDelayMs);
    }
  }

  /**
   * An ACK goes on the path the data came on, else on any open path: never held back by a path's in-flight
   * cap or queue, since the peer's cap is freed only by our ACKs (holding them could stall both ends).
   */
  private sendAck(): void {
    if (!this.ackDue) return;
    let path = this.ackPath && !this.ackPath.closed ? this.ackPath : undefined;
    for (const p of this.paths.values()) if (!path && !p.closed) path = p;
    if (!path) return; // stays due until a path comes
    this.ackPath = undefined;
    this.ackDue = false;
    this.recordsSinceAck = 0;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    path.sendRecord(encodeBody(undefined, [{ type: FrameType.ack, next: this.received.next }]));
  }
}
