/**
 * The session core shared by client and egress (docs/spec/session-v1.md §3-§5): reliable, numbered records
 * over any number of paths, resent when a path goes, delivered in order, carrying streams. The session
 * coordinates: the path set chooses, watches and counts paths (path-set.ts), the stream mux routes stream
 * frames and fills records (stream-mux.ts), ack-policy.ts times the ACKs. It knows paths only as
 * PathTransport, so in-memory pairs test it as well as real data channels.
 */
import { EventEmitter } from 'node:events';
import { ProtocolError, type ResetReason } from '../shared/errors.js';
import type { SessionOptions } from '../shared/limits.js';
import { CloseCode } from '../shared/path.js';
import { AckPolicy } from './ack-policy.js';
import {
  BODY_HEADER_RELIABLE,
  type Body,
  DATA_FRAME_OVERHEAD,
  decodeBody,
  encodeBody,
  type Frame,
  FrameType,
  MAX_U48,
} from './frames.js';
import type { SessionKeys } from './noise.js';
import { PathSet } from './path-set.js';
import { jitter, type PathState } from './path-state.js';
import { ReorderBuffer } from './reorder.js';
import { SendBuffer } from './send-buffer.js';
import {
  MAX_SIGNAL_BYTES,
  MAX_SIGNALS_IN_FLIGHT,
  SIGNAL_NOT_FORWARDED,
  SIGNAL_ROUTES,
  type SignalReply,
  type SignalRequest,
  type SignalRoute,
  SignalUnavailable,
} from './signal.js';
import type { SessionStream } from './stream.js';
import { StreamMux } from './stream-mux.js';
import type { PathTransport } from './transport.js';
import { MessageType, maxRecordBody, messageType } from './wire.js';

export interface SessionInit {
  role: 'client' | 'egress';
  sessionId: Buffer;
  keys: SessionKeys;
  peerStreamWindow: number;
  peerSessionWindow: number;
  /** Merged and checked (resolveSessionOptions). */
  options: SessionOptions;
}

export interface SessionStats {
  paths: number;
  streams: number;
  unackedRecords: number;
  bufferedRecords: number;
  /** Bytes the reorder buffer holds (session-v1 §3.1). */
  bufferedBytes: number;
  resentRecords: number;
  /** Stream bytes (DATA payload) sent and received over the session's life, resends counted once. */
  bytesSent: number;
  bytesReceived: number;
}

/** How a path joins the session (session-v1 §2, §5.1). */
export interface AddPathOptions {
  /** Messages that arrived on the path before the session took it over, in order. */
  backlog?: Uint8Array[];
  /** A handshake already proved the path live: it may carry reliable records at once. @default false */
  proven?: boolean;
  /** Send the first record at once: an ACK and a PING (session-v1 §2, §5.1). @default false */
  greet?: boolean;
}

/** What a session tells its owner, with the arguments of each event. */
export interface SessionEvents {
  /** Egress: the client opened a stream to host:port (session-v1 §4.1); accept or reject it. */
  stream: [stream: SessionStream, host: string, port: number];
  'path-added': [pathId: number];
  'path-closed': [pathId: number, code: number, reason: string];
  /** The path's volunteer said GOODBYE (path-v1 §3): it carries nothing new. */
  'path-leaving': [pathId: number];
  'no-paths': [];
  /** A bug of ours cost one path, or the session (never the process). */
  'internal-error': [error: unknown];
  /** Client: the egress is shutting down; it closes the session within `deadlineMs` (session-v1 §7). */
  goaway: [deadlineMs: number];
  /**
   * Egress: the client sent a rendezvous exchange for the broker (session-v1 §4.4). With no listener, the
   * session answers it at once: this egress forwards no signaling.
   */
  signal: [request: SignalRequest];
  closed: [error: Error | undefined];
}

export class Session extends EventEmitter<SessionEvents> {
  readonly role: 'client' | 'egress';
  readonly id: Buffer;
  readonly options: SessionOptions;
  /** Seals JOIN messages (session-v1 §5.1). */
  readonly joinKey: Uint8Array;
  private readonly paths: PathSet;
  private readonly streams: StreamMux;
  /** session-v1 §3.1: the send and the receive side of reliable records. */
  private readonly sent = new SendBuffer();
  private readonly received: ReorderBuffer;
  private readonly acks: AckPolicy;
  /** Room for the DATA bytes plus a few control frames, within one path message (session-v1 §1, §3). */
  private readonly maxBody: number;
  private timer!: NodeJS.Timeout;
  private flushScheduled = false;
  private flushing = false;
  private resent = 0;
  private isClosed = false;
  private readonly flushNow = (): void => {
    this.flushScheduled = false;
    this.flush();
  };
  private readonly wake = (): void => this.scheduleFlush();
  /** session-v1 §4.4. Client: SIGNALs awaiting their reply. Egress: ids of SIGNALs being forwarded. */
  private readonly signalsPending = new Map<number, (reply: SignalReply | Error) => void>();
  private readonly signalsForwarding = new Set<number>();
  private nextSignalId = 1;
  private readonly failPath = (path: PathState, code: number, reason: string): void =>
    this.onPathClosed(path, code, reason, false);

  constructor(init: SessionInit) {
    super();
    const o = init.options;
    this.role = init.role;
    this.id = init.sessionId;
    this.options = o;
    this.joinKey = init.keys.join;

    this.streams = new StreamMux({
      role: init.role,
      options: o,
      peerStreamWindow: init.peerStreamWindow,
      peerSessionWindow: init.peerSessionWindow,
      wake: this.wake,
      onStream: (stream, host, port) => this.emit('stream', stream, host, port),
      onGoAway: (deadlineMs) => this.emit('goaway', deadlineMs),
      roundTripMs: () => this.paths.roundTripMs(),
    });
    this.received = new ReorderBuffer(o.reorderWindow, o.sessionWindow + o.reorderSlackBytes);
    this.acks = new AckPolicy(o.ackEveryRecords, o.ackDelayMs, this.wake);
    this.maxBody = Math.min(o.maxDataFrameBytes + 64, maxRecordBody(o.maxMessageBytes));
    this.paths = new PathSet(init.keys, { ...o, maxRecordBytes: this.maxBody });
    // session-v1 §5.3: ticks at jittered times, so a due PING leaves at no fixed beat either.
    const tick = Math.max(20, Math.min(o.pingIntervalMs, o.pathTimeoutMs) / 2);
    const next = () => {
      const delay = jitter(tick);
      const due = Date.now() + delay;
      this.timer = setTimeout(() => {
        // A tick this late means the event loop ran nothing meanwhile (a GC pause, a stopped process): no
        // message could be read either, so the pause is not counted as any path's silence (§5.3).
        const now = Date.now();
        this.paths.checkLiveness(now, this.failPath, Math.max(0, now - due));
        if (!this.isClosed) next();
      }, delay);
      this.timer.unref();
    };
    next();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Paths that carry new records (a leaving one does not). */
  get pathCount(): number {
    return this.paths.usable;
  }

  get pathIds(): number[] {
    return this.paths.ids;
  }

  /** session-v1 §5.1: whether a JOIN for `pathId` may be accepted. */
  canUsePathId(pathId: number): boolean {
    return this.paths.canUse(pathId);
  }

  get stats(): SessionStats {
    return {
      paths: this.paths.size,
      streams: this.streams.size,
      unackedRecords: this.sent.size,
      bufferedRecords: this.received.buffered,
      bufferedBytes: this.received.bufferedBytes,
      resentRecords: this.resent,
      bytesSent: this.streams.bytesSent,
      bytesReceived: this.streams.bytesReceived,
    };
  }

  /** Nothing left to do before a shutdown may close it (session-v1 §7): no stream, nothing unacknowledged. */
  get drained(): boolean {
    return this.streams.size === 0 && this.sent.size === 0;
  }

  /** Attaches a path whose handshake or JOIN succeeded (session-v1 §2, §5.1). */
  addPath(pathId: number, transport: PathTransport, how: AddPathOptions = {}): void {
    if (this.isClosed) {
      transport.close(CloseCode.goingAway, 'session closed');
      return;
    }
    const path = this.paths.add(pathId, transport, how.proven === true);
    transport.onmessage = (msg) => this.onMessage(path, msg);
    transport.onclose = (code, reason) => this.onPathClosed(path, code, reason, true);
    transport.ondrain = this.wake;
    this.emit('path-added', pathId);
    if (how.greet === true) path.greet(this.received.next, Date.now());
    for (const msg of how.backlog ?? []) this.onMessage(path, msg);
    this.scheduleFlush();
  }

  /**
   * Egress, shutting down (session-v1 §7): tells the client with GOAWAY, and refuses its OPENs from now on.
   * The owner closes the session once it is `drained`, or at the deadline.
   */
  goAway(deadlineMs: number): void {
    this.streams.goAway(deadlineMs);
  }

  /** Client: opens a stream to host:port; resolves when the egress has connected (session-v1 §4.1). */
  openStream(host: string, port: number): Promise<SessionStream> {
    return this.streams.open(host, port);
  }

  /** Egress: the destination is connected (OPENED) or not (RESET). */
  acceptStream(stream: SessionStream): void {
    this.streams.accept(stream);
  }

  rejectStream(stream: SessionStream, reason: ResetReason): void {
    stream.reset(reason);
  }

  /**
   * Client, session-v1 §4.4: sends one rendezvous exchange to the egress's broker and resolves with what came
   * back. Rejects with SignalUnavailable when the body is too large, MAX_SIGNALS_IN_FLIGHT are unanswered
   * or the session closes; with `abort`'s reason when it aborts (a late reply is then dropped).
   */
  signal(route: SignalRoute, body: Uint8Array, abort?: AbortSignal): Promise<SignalReply> {
    if (this.role !== 'client') return Promise.reject(new Error('only a client sends SIGNAL'));
    if (this.isClosed) return Promise.reject(new SignalUnavailable('session closed'));
    if (body.length > MAX_SIGNAL_BYTES)
      return Promise.reject(new SignalUnavailable(`${body.length} bytes > ${MAX_SIGNAL_BYTES} for SIGNAL`));
    if (this.signalsPending.size >= MAX_SIGNALS_IN_FLIGHT)
      return Promise.reject(new SignalUnavailable(`${MAX_SIGNALS_IN_FLIGHT} SIGNALs already in flight`));
    abort?.throwIfAborted();
    const id = this.nextSignalId;
    this.nextSignalId = this.nextSignalId >= 0xffff_ffff ? 1 : this.nextSignalId + 1;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => settle(abort?.reason as Error);
      const settle = (r: SignalReply | Error): void => {
        this.signalsPending.delete(id);
        abort?.removeEventListener('abort', onAbort);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      this.signalsPending.set(id, settle);
      abort?.addEventListener('abort', onAbort, { once: true });
      this.streams.queueFrame({ type: FrameType.signal, id, route, body: Buffer.from(body) });
    });
  }

  /** Closes a path on purpose (e.g. replaced); its records are resent elsewhere. */
  dropPath(pathId: number, code: number, reason: string): void {
    const path = this.paths.get(pathId);
    if (path) this.failPath(path, code, reason);
  }

  /** Ends the session: every stream is reset, every path closed. */
  close(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearTimeout(this.timer);
    this.acks.stop();
    this.streams.close();
    for (const settle of [...this.signalsPending.values()]) settle(new SignalUnavailable('session closed'));
    this.signalsForwarding.clear();
    this.paths.closeAll('session closed');
    this.sent.clear();
    this.received.clear();
    this.emit('closed', error);
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
      const wasProven = path.proven;
      try {
        body = path.openRecord(msg);
      } catch (e) {
        this.failPath(path, CloseCode.badRecord, (e as Error).message);
        return;
      }
      // A path that has just proven live may carry what waits for one (session-v1 §5.1): the records a dead
      // path left to resend, above all when it was the only one. Nothing else may wake the flush: the peer's
      // first record here can be a PONG, and a reader that sends nothing sends nothing else.
      if (!wasProven) this.scheduleFlush();
      this.onBody(path, decodeBody(body), body.length);
    } catch (e) {
      // A broken rule closes the path; anything else is our bug, and it too costs only this path (its
      // records are resent on the others) rather than the whole process and every user's connection.
      const reason = e instanceof ProtocolError ? e.message : `internal error: ${(e as Error).stack ?? e}`;
      if (!(e instanceof ProtocolError)) this.emit('internal-error', e);
      this.failPath(path, CloseCode.protocol, reason);
    }
  }

  private onBody(path: PathState, body: Body, bytes: number): void {
    if (body.seq === undefined) {
      if (!path.takeControlRecord()) {
        const n = this.options.pathControlRecordsPerSecond;
        throw new ProtocolError(`more than ${n} unreliable records a second on one path`);
      }
      for (const f of body.frames) this.onUnreliable(path, f);
      return;
    }
    this.acks.received(path);
    for (const frames of this.received.accept(body.seq, body.frames, bytes)) {
      for (const f of frames) {
        if (f.type === FrameType.signal) this.onSignal(f.id, f.route, f.body);
        else if (f.type === FrameType.signalReply) this.onSignalReply(f);
        else this.streams.deliver(f);
      }
    }
  }

  /**
   * Egress, session-v1 §4.4: a SIGNAL goes to the 'signal' listener (the broker forwarder), or is answered
   * here with SIGNAL_NOT_FORWARDED and the reason: no forwarder, too large, unknown route, too many.
   */
  private onSignal(id: number, route: number, body: Buffer): void {
    if (this.role !== 'egress') throw new ProtocolError('SIGNAL sent to a client');
    let done = false;
    const reply = (r: SignalReply): void => {
      if (done) return;
      done = true;
      this.signalsForwarding.delete(id);
      if (this.isClosed) return;
      const out = r.body.length > MAX_SIGNAL_BYTES ? refusal('the broker answered too much') : r;
      this.streams.queueFrame({
        type: FrameType.signalReply,
        id,
        status: out.status,
        retryAfterMs: Math.min(Math.max(0, Math.round(out.retryAfterMs)), 0xffff_ffff),
        body: Buffer.from(out.body),
      });
    };
    if (this.signalsForwarding.has(id)) return; // a second SIGNAL with an id in flight: its reply is coming
    const refused =
      body.length > MAX_SIGNAL_BYTES
        ? `request over ${MAX_SIGNAL_BYTES} bytes`
        : !(route in SIGNAL_ROUTES)
          ? `unknown route ${route}`
          : this.signalsForwarding.size >= MAX_SIGNALS_IN_FLIGHT
            ? `more than ${MAX_SIGNALS_IN_FLIGHT} SIGNALs in flight`
            : this.listenerCount('signal') === 0
              ? 'this egress has no broker to forward to'
              : undefined;
    if (refused !== undefined) {
      reply(refusal(refused));
      return;
    }
    this.signalsForwarding.add(id);
    // A copy: the frame's body is a view into a record buffer.
    this.emit('signal', { route: route as SignalRoute, body: new Uint8Array(body), reply });
  }

  /** Client: the answer to one of our SIGNALs; one we stopped waiting for is dropped. */
  private onSignalReply(f: Extract<Frame, { type: typeof FrameType.signalReply }>): void {
    if (this.role !== 'client') throw new ProtocolError('SIGNAL_REPLY sent to an egress');
    this.signalsPending.get(f.id)?.({
      status: f.status,
      retryAfterMs: f.retryAfterMs,
      body: new Uint8Array(f.body),
    });
  }

  private onUnreliable(path: PathState, f: Frame): void {
    switch (f.type) {
      case FrameType.ack:
        // Forgets the records; the paths' in-flight bytes are freed by PATH_ACK (session-v1 §4, §5.4).
        this.sent.ack(f.next);
        break;
      case FrameType.pathAck: {
        const acked = this.paths.get(f.pathId);
        if (acked && acked.pathAcked(f.next, Date.now()) > 0) this.scheduleFlush();
        break;
      }
      case FrameType.ping:
        // One PING per record (session-v1 §3.1), and no PONG into a full queue (§5.4).
        path.sendControl(encodeBody(undefined, [{ type: FrameType.pong, id: f.id }]));
        break;
      case FrameType.pong:
        path.pong(f.id, Date.now());
        break;
      case FrameType.pathClosed: {
        const dead = this.paths.get(f.pathId);
        if (dead && dead !== path) this.failPath(dead, CloseCode.goingAway, 'peer saw the path close');
        break;
      }
      default:
        throw new ProtocolError(`frame ${f.type} must be reliable`);
    }
  }

  // ---- paths ------------------------------------------------------------------------------------

  private onGoodbye(path: PathState): void {
    if (!path.leave()) return;
    this.requeue(path);
    this.emit('path-leaving', path.id);
    this.scheduleFlush();
  }

  private onPathClosed(path: PathState, code: number, reason: string, byTransport: boolean): void {
    if (!this.paths.remove(path)) return;
    if (!byTransport) path.transport.close(code, reason.slice(0, 100));
    this.acks.forget(path);
    this.requeue(path);
    if (this.role === 'egress') {
      // session-v1 §5.2: the egress tells the client over the surviving paths.
      const frames: Frame[] = [{ type: FrameType.pathClosed, pathId: path.id, reason: 0 }];
      this.paths.sendToAll(encodeBody(undefined, frames));
    }
    this.emit('path-closed', path.id, code, reason);
    if (this.paths.size === 0) this.emit('no-paths');
    this.scheduleFlush();
  }

  /**
   * Moves the records last sent on `path` that the peer has not said it received (by ACK or PATH_ACK) to the
   * resend queue, in seq order.
   */
  private requeue(path: PathState): void {
    const arrived = path.delivery.ackedBelow;
    path.clearInflight();
    if (this.sent.requeue(path.id, arrived) > 0) this.acks.refresh();
  }

  // ---- sending ----------------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled || this.isClosed) return;
    this.flushScheduled = true;
    setImmediate(this.flushNow);
  }

  /**
   * Sends what is due (session-v1 §5.4). It runs from setImmediate, where a throw would end the process and
   * every user's connections: a bug here costs this session only.
   */
  private flush(): void {
    if (this.flushing || this.isClosed) return;
    this.flushing = true;
    try {
      this.flushRecords();
    } catch (e) {
      this.emit('internal-error', e);
      this.close(new Error(`internal error: ${(e as Error).message}`));
    } finally {
      this.flushing = false;
    }
  }

  /** An ACK, then resends, then new records while a path has room. */
  private flushRecords(): void {
    this.sendAck();
    for (;;) {
      const now = Date.now();
      const resend = this.sent.peekResend();
      if (resend) {
        // session-v1 §5.2: at once, on the surviving path where it would arrive first.
        const path = this.paths.pick(resend.body.length, now, true);
        if (!path) break;
        const u = this.sent.takeResend(path.id);
        this.resent += 1;
        u.pathSeq = path.sendReliable(u.body, now);
        this.retireIfExhausted(path);
        continue;
      }
      const frames: Frame[] = [];
      const size = this.streams.takeControl(frames, BODY_HEADER_RELIABLE, this.maxBody);
      const small = frames.length > 0 && this.streams.idle;
      const path = small ? this.paths.pickFastest() : this.paths.pick(this.maxBody, now, false);
      if (!path) {
        this.streams.putBack(frames);
        break;
      }
      // session-v1 §5.4: a fresh or idle path starts with small records and doubles them as they fill.
      const room = Math.min(this.maxBody - size, path.ramp.room(now));
      const left = this.streams.fillData(frames, room);
      if (frames.length === 0) break;
      if (left < room) path.ramp.sent(now, left <= DATA_FRAME_OVERHEAD);
      if (this.sent.nextSeq > MAX_U48) throw new Error('reliable sequence numbers exhausted (session-v1 §3)');
      const body = encodeBody(this.sent.nextSeq, frames);
      this.sent.add(body, path.id, path.sendReliable(body, now));
      this.retireIfExhausted(path);
      // session-v1 §5.4: a small record (credit above all) goes on a second path too, so that a path's death
      // cannot hold it back; the receiver drops the copy that comes second.
      const spare = small ? this.paths.pickSpare(path) : undefined;
      if (spare) {
        spare.sendReliable(body, now);
        this.retireIfExhausted(spare);
      }
    }
  }

  /** session-v1 §3: a path that has sealed its last record closes before it could seal one more. */
  private retireIfExhausted(path: PathState): void {
    if (path.exhausted) this.failPath(path, CloseCode.normal, 'path sequence exhausted');
  }

  /**
   * A due ACK goes on each path data came on since the last, with a PATH_ACK for that path, else on any open
   * path (session-v1 §3.1, §4, §5.4).
   */
  private sendAck(): void {
    if (!this.acks.due) return;
    const from = this.acks.paths.filter((p) => !p.closed);
    const plan: [PathState, PathState | undefined][] = [];
    for (const p of from) {
      const via = this.paths.forAck(p);
      if (!via) return; // stays due until a path comes or drains
      plan.push([via, p]);
    }
    if (plan.length === 0) {
      const via = this.paths.forAck(undefined);
      if (!via) return;
      plan.push([via, undefined]);
    }
    this.acks.sent();
    for (const [via, p] of plan) via.sendRecord(this.ackBody(p));
  }

  private ackBody(path: PathState | undefined): Buffer {
    const frames: Frame[] = [{ type: FrameType.ack, next: this.received.next }];
    if (path) frames.push({ type: FrameType.pathAck, pathId: path.id, next: path.received });
    return encodeBody(undefined, frames);
  }
}

/** A SIGNAL_REPLY the egress gives itself (session-v1 §4.4). */
function refusal(reason: string): SignalReply {
  return { status: SIGNAL_NOT_FORWARDED, retryAfterMs: 0, body: new TextEncoder().encode(reason) };
}
