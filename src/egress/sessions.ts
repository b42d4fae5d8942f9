/**
 * The egress's table of sessions: answers HELLO (session-v1 §2) and JOIN (session-v1 §5.1) on new paths,
 * keeps sessions without a path for `idleTimeoutMs`, then frees them (session-v1 §5.2).
 */
import { randomBytes } from 'node:crypto';
import { type KeyPair, NkResponder, open } from '../session/noise.js';
import { resolveSessionOptions } from '../session/options.js';
import { Session } from '../session/session.js';
import type { SessionStream } from '../session/stream.js';
import { nextMessage, type PathTransport } from '../session/transport.js';
import {
  decodeHelloPayload,
  decodeJoin,
  encodeHelloReplyPayload,
  encodeRefuse,
  envelope,
  joinNonce,
  MessageType,
  messageType,
  PROLOGUE,
  RefuseCode,
  usableWindows,
} from '../session/wire.js';
import type { SessionOptions } from '../shared/limits.js';
import { CloseCode } from '../shared/path.js';

export type StreamHandler = (session: Session, stream: SessionStream, host: string, port: number) => void;

export type SessionTableOptions = SessionOptions;

export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private readonly idleTimers = new Map<Session, NodeJS.Timeout>();
  readonly options: Readonly<SessionTableOptions>;

  constructor(
    private readonly keys: KeyPair,
    private readonly onStream: StreamHandler,
    options: Partial<SessionTableOptions> = {},
  ) {
    this.options = resolveSessionOptions(options);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Streams open across all sessions. */
  get streamCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.stats.streams;
    return n;
  }

  /** Takes a new path; its first message decides whether it starts or joins a session. */
  async accept(transport: PathTransport): Promise<void> {
    let msg: Uint8Array;
    let backlog: Uint8Array[];
    try {
      ({ first: msg, backlog } = await nextMessage(
        transport,
        this.options.handshakeTimeoutMs,
        'first message',
      ));
    } catch {
      transport.close(CloseCode.timeout, 'no handshake');
      return;
    }
    try {
      const type = messageType(msg, this.options.maxMessageBytes);
      if (type === MessageType.hello) this.onHello(transport, msg, backlog);
      else if (type === MessageType.join) this.onJoin(transport, msg, backlog);
      else this.refuse(transport, RefuseCode.protocol, `expected HELLO or JOIN, got type ${type}`);
    } catch (e) {
      this.refuse(transport, RefuseCode.protocol, (e as Error).message);
    }
  }

  private refuse(transport: PathTransport, code: number, reason: string): void {
    transport.send(encodeRefuse(code, reason));
    transport.close(CloseCode.protocol, reason.slice(0, 100));
  }

  private onHello(transport: PathTransport, msg: Uint8Array, backlog: Uint8Array[]): void {
    if (this.sessions.size >= this.options.maxSessions) {
      this.refuse(transport, RefuseCode.busy, 'egress is at its session limit');
      return;
    }
    const noise = new NkResponder(this.keys, PROLOGUE);
    let payload: Uint8Array;
    try {
      payload = noise.readMessage1(msg.subarray(2));
    } catch {
      this.refuse(transport, RefuseCode.badHandshake, 'handshake failed: wrong egress key?');
      return;
    }
    const hello = decodeHelloPayload(payload);
    if (!usableWindows(hello)) {
      this.refuse(transport, RefuseCode.protocol, 'unusable windows');
      return;
    }
    const sessionId = randomBytes(16);
    const msg2 = noise.writeMessage2(
      encodeHelloReplyPayload({
        sessionId,
        streamWindow: this.options.streamWindow,
        sessionWindow: this.options.sessionWindow,
        idleTimeoutMs: this.options.idleTimeoutMs,
      }),
    );
    const session = new Session({
      role: 'egress',
      sessionId,
      keys: noise.split(),
      peerStreamWindow: hello.streamWindow,
      peerSessionWindow: hello.sessionWindow,
      options: this.options,
    });
    const key = sessionId.toString('hex');
    this.sessions.set(key, session);
    session.on('stream', (stream: SessionStream, host: string, port: number) =>
      this.onStream(session, stream, host, port),
    );
    session.on('no-paths', () => this.startIdle(session));
    session.on('closed', () => {
      this.stopIdle(session);
      this.sessions.delete(key);
    });
    const reply = envelope(MessageType.helloReply, msg2.length);
    reply.set(msg2, 2);
    transport.send(reply);
    session.addPath(hello.pathId, transport, backlog);
  }

  private onJoin(transport: PathTransport, msg: Uint8Array, backlog: Uint8Array[]): void {
    const join = decodeJoin(msg);
    const session = this.sessions.get(join.sessionId.toString('hex'));
    if (!session) {
      this.refuse(transport, RefuseCode.unknownSession, 'unknown or expired session');
      return;
    }
    const ok = open(session.joinKey, joinNonce(join.pathId), join.signed, join.tag) !== null;
    if (!ok || !session.canUsePathId(join.pathId)) {
      this.refuse(transport, RefuseCode.badJoin, 'join not authenticated or path id reused');
      return;
    }
    if (session.pathIds.length >= this.options.maxPathsPerSession) {
      this.refuse(transport, RefuseCode.busy, 'session is at its path limit');
      return;
    }
    this.stopIdle(session);
    session.addJoinedPath(join.pathId, transport, backlog);
  }

  private startIdle(session: Session): void {
    this.stopIdle(session);
    const t = setTimeout(() => session.close(), this.options.idleTimeoutMs);
    t.unref();
    this.idleTimers.set(session, t);
  }

  private stopIdle(session: Session): void {
    const t = this.idleTimers.get(session);
    if (t) clearTimeout(t);
    this.idleTimers.delete(session);
  }

  close(): void {
    for (const s of [...this.sessions.values()]) s.close();
  }
}
