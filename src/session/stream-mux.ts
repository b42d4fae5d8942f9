/**
 * The streams of one session (session-v1 §4): opens them, routes each stream frame to its stream, holds the
 * session-wide credit window (§4.3), and fills records with control frames and DATA, round-robin. Streams
 * own their own credit and state (stream.ts); this only routes and schedules, as a yamux muxer does.
 */
import {
  ProtocolError,
  RESET_CODES,
  type ResetReason,
  resetReasonFromCode,
  StreamError,
} from '../shared/errors.js';
import type { SessionOptions } from '../shared/limits.js';
import { ControlQueue } from './control-queue.js';
import { CreditWindow } from './credit.js';
import { DATA_FRAME_OVERHEAD, type Frame, FrameType } from './frames.js';
import { SessionStream, type StreamHost } from './stream.js';

/** session-v1 §4: a DATA frame carries at most a u16 of bytes; END is the type and the stream id. */
const MAX_DATA_BYTES = 65_535;
const END_FRAME_BYTES = 5;

export interface StreamMuxInit {
  role: 'client' | 'egress';
  options: Pick<
    SessionOptions,
    | 'streamWindow'
    | 'streamWindowMax'
    | 'sessionWindow'
    | 'maxStreams'
    | 'streamSendQueueBytes'
    | 'streamBufferBytes'
  >;
  /** The session's round trip as far as known, ms (StreamHost.roundTripMs). */
  roundTripMs(): number;
  peerStreamWindow: number;
  peerSessionWindow: number;
  /** There is something new to send: the session should flush. */
  wake(): void;
  /** Egress: the client opened `stream` to host:port. */
  onStream(stream: SessionStream, host: string, port: number): void;
  /** Client: the egress sent GOAWAY (session-v1 §7). */
  onGoAway(deadlineMs: number): void;
}

/** session-v1 §4: an OPEN's host is 1 to 255 bytes of UTF-8. */
const MAX_HOST_BYTES = 255;

export class StreamMux implements StreamHost {
  private readonly streams = new Map<number, SessionStream>();
  private readonly pendingOpens = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextStreamId = 1;
  private readonly control = new ControlQueue();
  /** Streams with something to send, in round-robin order. */
  private readonly sendable = new Set<SessionStream>();
  /** session-v1 §4.3: the session-wide window. */
  private readonly credit: CreditWindow;
  private closed = false;
  /** session-v1 §7: GOAWAY sent (egress) or received (client); no new stream from now on. */
  private goingAway = false;
  /** Stream bytes (DATA payload) handed to records and received in order, for status and metrics. */
  private sent = 0;
  private received = 0;

  constructor(private readonly init: StreamMuxInit) {
    this.credit = new CreditWindow(init.peerSessionWindow, init.options.sessionWindow);
  }

  get size(): number {
    return this.streams.size;
  }

  /** DATA payload bytes put into records so far (resends not counted twice). */
  get bytesSent(): number {
    return this.sent;
  }

  /** DATA payload bytes received so far. */
  get bytesReceived(): number {
    return this.received;
  }

  /** Client: opens a stream to host:port; resolves when the egress has connected (session-v1 §4.1). */
  open(host: string, port: number): Promise<SessionStream> {
    if (this.closed) return Promise.reject(new StreamError('closed', 'session closed'));
    if (this.goingAway) return Promise.reject(new StreamError('busy', 'the egress is going away (GOAWAY)'));
    const hostBytes = Buffer.byteLength(host, 'utf8');
    if (hostBytes < 1 || hostBytes > MAX_HOST_BYTES) {
      return Promise.reject(
        new StreamError(
          'general',
          `a destination host must be 1 to ${MAX_HOST_BYTES} bytes, not ${hostBytes}`,
        ),
      );
    }
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
      return Promise.reject(new StreamError('general', `port ${port} is not 0..65535`));
    }
    if (this.streams.size >= this.init.options.maxStreams) {
      return Promise.reject(new StreamError('refused', 'too many streams in this session'));
    }
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = this.newStream(id, true);
    this.queueControl({ type: FrameType.open, streamId: id, host, port });
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

  /** Egress: the destination is connected. */
  accept(stream: SessionStream): void {
    this.queueControl({ type: FrameType.opened, streamId: stream.id });
  }

  /** Egress: sends GOAWAY once and takes no OPEN after it (session-v1 §7). */
  goAway(deadlineMs: number): void {
    if (this.goingAway || this.closed) return;
    this.goingAway = true;
    this.queueControl({ type: FrameType.goAway, deadlineMs: Math.min(Math.round(deadlineMs), 0xffff_ffff) });
  }

  /** Resets every stream; nothing is sent any more. */
  close(): void {
    this.closed = true;
    for (const p of this.pendingOpens.values()) p.reject(new StreamError('closed', 'session closed'));
    this.pendingOpens.clear();
    for (const s of [...this.streams.values()]) s.destroy(new StreamError('closed', 'session closed'));
    this.streams.clear();
  }

  /** One frame of a reliable record, in order (session-v1 §4); throws ProtocolError. */
  deliver(f: Frame): void {
    switch (f.type) {
      case FrameType.open:
        this.onOpen(f.streamId, f.host, f.port);
        break;
      case FrameType.opened: {
        const p = this.pendingOpens.get(f.streamId);
        if (!p) break;
        this.pendingOpens.delete(f.streamId);
        this.streams.get(f.streamId)?.confirmOpen();
        p.resolve();
        break;
      }
      case FrameType.data:
        this.onData(f.streamId, f.data);
        break;
      case FrameType.end:
        this.streams.get(f.streamId)?.receiveEnd();
        break;
      case FrameType.reset:
        this.streams.get(f.streamId)?.receiveReset(f.code, resetReasonFromCode(f.code));
        break;
      case FrameType.goAway:
        // session-v1 §7: only the egress says it; a second one, or one from a client, means nothing.
        if (this.init.role === 'client' && !this.goingAway) {
          this.goingAway = true;
          this.init.onGoAway(f.deadlineMs);
        }
        break;
      case FrameType.maxData:
        if (f.streamId !== 0) this.streams.get(f.streamId)?.raiseCredit(f.max);
        else if (this.credit.raise(f.max)) {
          for (const s of this.streams.values()) if (s.hasSomethingToSend) this.sendable.add(s);
        }
        this.init.wake();
        break;
      default:
        throw new ProtocolError(`frame ${f.type} may not be reliable`);
    }
  }

  /** No stream has DATA waiting: a record of control frames only is small (session-v1 §5.4). */
  get idle(): boolean {
    return this.sendable.size === 0;
  }

  /** Moves queued control frames into `frames` within `maxBody` (a body now `size` bytes); returns the new size. */
  takeControl(frames: Frame[], size: number, maxBody: number): number {
    return this.control.takeInto(frames, size, maxBody);
  }

  /** Puts back what `takeControl` took: no path could take the record. */
  putBack(frames: Frame[]): void {
    this.control.putBack(frames);
  }

  /**
   * Adds DATA (and END) frames from streams with credit, round-robin, into `room` bytes. A stream puts one
   * DATA frame per queued chunk, as many as fit, so records stay full however its source chunks the bytes.
   * Returns the room left.
   */
  fillData(frames: Frame[], room: number): number {
    for (const s of [...this.sendable]) {
      if (room <= DATA_FRAME_OVERHEAD) break;
      for (;;) {
        const chunk = s.takeChunk(Math.min(room - DATA_FRAME_OVERHEAD, this.credit.sendable, MAX_DATA_BYTES));
        if (!chunk) break;
        frames.push({ type: FrameType.data, streamId: s.id, data: chunk });
        room -= DATA_FRAME_OVERHEAD + chunk.length;
        this.credit.spend(chunk.length);
        this.sent += chunk.length;
      }
      if (room >= END_FRAME_BYTES && s.takeEnd()) {
        frames.push({ type: FrameType.end, streamId: s.id });
        room -= END_FRAME_BYTES;
      }
      // Round-robin: a stream that can still send goes to the back.
      this.sendable.delete(s);
      if (s.readyToSend) this.sendable.add(s);
    }
    return room;
  }

  // ---- StreamHost -------------------------------------------------------------------------------

  roundTripMs(): number {
    return this.init.roundTripMs();
  }

  wakeSender(stream: SessionStream): void {
    this.sendable.add(stream);
    this.init.wake();
  }

  freed(bytes: number): void {
    this.credit.consume(bytes);
    const max = this.credit.grant();
    if (max !== undefined) this.grant(0, max);
  }

  grant(streamId: number, max: number): void {
    if (this.control.grant(streamId, max)) this.init.wake();
  }

  released(stream: SessionStream, reset: ResetReason | undefined, byPeer?: ResetReason): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    this.sendable.delete(stream);
    this.control.forget(stream.id);
    const pending = this.pendingOpens.get(stream.id);
    if (pending) {
      this.pendingOpens.delete(stream.id);
      pending.reject(new StreamError(byPeer ?? reset ?? 'closed'));
    }
    if (reset !== undefined && !this.closed) {
      this.queueControl({ type: FrameType.reset, streamId: stream.id, code: RESET_CODES[reset] });
    }
  }

  // ---- frames -----------------------------------------------------------------------------------

  private onOpen(streamId: number, host: string, port: number): void {
    if (this.init.role !== 'egress' || streamId % 2 !== 1)
      throw new ProtocolError('OPEN from the wrong side');
    if (this.streams.has(streamId)) throw new ProtocolError(`stream ${streamId} opened twice`);
    const { maxStreams } = this.init.options;
    if (this.streams.size >= maxStreams || this.goingAway) {
      // A well-behaved client never opens past maxStreams; one that keeps doing it while not reading our
      // RESETs would grow the control queue without end. A legitimate queue holds at most about three frames
      // per stream (OPENED, RESET, MAX_DATA).
      if (this.control.length >= 4 * maxStreams) throw new ProtocolError('OPEN flood past maxStreams');
      // session-v1 §4.1, §7: past maxStreams `refused`; after GOAWAY `busy`, for a new session to take.
      const code = this.goingAway ? RESET_CODES.busy : RESET_CODES.refused;
      this.queueControl({ type: FrameType.reset, streamId, code });
      return;
    }
    this.init.onStream(this.newStream(streamId, false), host, port);
  }

  private onData(streamId: number, data: Buffer): void {
    if (!this.credit.receive(data.length)) throw new ProtocolError('peer exceeded the session window');
    this.received += data.length;
    const stream = this.streams.get(streamId);
    if (stream) stream.receiveData(data);
    else this.freed(data.length); // the stream is gone: drop the bytes, but keep the credit honest
  }

  private newStream(id: number, opening: boolean): SessionStream {
    const { peerStreamWindow, options } = this.init;
    const stream = new SessionStream(id, this, {
      peerWindow: peerStreamWindow,
      localWindow: options.streamWindow,
      maxLocalWindow: Math.max(
        options.streamWindow,
        Math.min(options.streamWindowMax, options.sessionWindow),
      ),
      sendQueueBytes: options.streamSendQueueBytes,
      bufferBytes: options.streamBufferBytes,
      opening,
    });
    this.streams.set(id, stream);
    return stream;
  }

  /** Queues a frame of the session's own (SIGNAL, SIGNAL_REPLY: session-v1 §4.4) with the control frames. */
  queueFrame(frame: Frame): void {
    if (this.closed) return;
    this.queueControl(frame);
  }

  private queueControl(frame: Frame): void {
    this.control.push(frame);
    this.init.wake();
  }
}
