/**
 * The egress's table of sessions: answers HELLO (session-v1 §2) under the admission rules of §2.1 (replay
 * cache, half-open table, the session made only on the client's first authenticated record), JOIN (§5.1) on
 * new paths, keeps sessions without a path for `idleTimeoutMs` (§5.2), and drains on shutdown (§7).
 */
import { randomBytes } from 'node:crypto';
import { type KeyPair, NkResponder, open, type SessionKeys } from '../session/noise.js';
import { resolveSessionOptions } from '../session/options.js';
import { isFirstRecord } from '../session/path-state.js';
import { Session } from '../session/session.js';
import type { SessionStream } from '../session/stream.js';
import { nextMessage, type PathTransport } from '../session/transport.js';
import {
  decodeHelloPayload,
  decodeJoin,
  encodeHelloReplyPayload,
  encodeRefuse,
  envelope,
  type HelloPayload,
  helloEphemeral,
  joinNonce,
  MessageType,
  messageType,
  PROLOGUE,
  RefuseCode,
  usableWindows,
} from '../session/wire.js';
import {
  EGRESS_SESSION_DEFAULTS,
  type EgressSessionOptions,
  resolveLimits,
  type SessionOptions,
} from '../shared/limits.js';
import { CloseCode } from '../shared/path.js';
import { type HalfOpen, HalfOpenTable } from './admission.js';
import { ReplayCache } from './replay-cache.js';

/**
 * What an unauthenticated peer is told when the egress will not take it (issue 12 §4): the same word whether
 * the egress is full, draining or over a per-source share, so a probe learns nothing about its state. The
 * REFUSE code (`busy`) is all an honest client needs: try another path later.
 */
const BUSY = 'busy';

export type StreamHandler = (session: Session, stream: SessionStream, host: string, port: number) => void;

export type SessionTableOptions = SessionOptions & EgressSessionOptions;

/** What the table tells its owner, for metrics (src/egress/metrics.ts). */
export interface SessionTableHooks {
  /** A path was refused or closed before a session took it; `reason` is a short stable label. */
  handshakeFailed?(reason: string): void;
  /** A session was made (its client's first record authenticated). */
  sessionOpened?(session: Session): void;
}

/** A HELLO that decrypted, waiting for its client's first record (session-v1 §2.1). */
interface Answered {
  hello: HelloPayload;
  sessionId: Buffer;
  keys: SessionKeys;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  /** Sessions without a path, the one pathless longest first (session-v1 §2.1 rule 5). */
  private readonly idleTimers = new Map<Session, NodeJS.Timeout>();
  private readonly halfOpen: HalfOpenTable;
  private readonly replays: ReplayCache;
  private draining = false;
  readonly options: Readonly<SessionTableOptions>;

  constructor(
    private readonly keys: KeyPair,
    private readonly onStream: StreamHandler,
    options: Partial<SessionTableOptions> = {},
    private readonly hooks: SessionTableHooks = {},
  ) {
    const egress = resolveLimits<EgressSessionOptions>('egress', EGRESS_SESSION_DEFAULTS, options, [
      'trustedProxies',
      'drainTimeoutMs',
    ]);
    this.options = { ...resolveSessionOptions(options), ...egress };
    this.halfOpen = new HalfOpenTable(egress.maxHalfOpen, egress.maxHalfOpenPerSource);
    this.replays = new ReplayCache(egress.replayCacheEntries, 2 * egress.helloWindowMs);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Handshakes answered and awaiting the client's first record. */
  get halfOpenCount(): number {
    return this.halfOpen.size;
  }

  /** HELLO ephemerals remembered against replay. */
  get replayCacheSize(): number {
    return this.replays.size;
  }

  /** Streams open across all sessions. */
  get streamCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.stats.streams;
    return n;
  }

  get shuttingDown(): boolean {
    return this.draining;
  }

  find(sessionId: Uint8Array): Session | undefined {
    return this.sessions.get(Buffer.from(sessionId).toString('hex'));
  }

  /**
   * Takes a new path from `source` (src/egress/sources.ts); its first message decides whether it starts or
   * joins a session.
   */
  async accept(transport: PathTransport, source = ''): Promise<void> {
    let msg: Uint8Array;
    let backlog: Uint8Array[];
    try {
      ({ first: msg, backlog } = await nextMessage(
        transport,
        this.options.handshakeTimeoutMs,
        'first message',
        this.options.handshakeBacklogBytes,
      ));
    } catch {
      this.hooks.handshakeFailed?.('timeout');
      transport.close(CloseCode.timeout, 'no handshake');
      return;
    }
    try {
      const type = messageType(msg, this.options.maxMessageBytes);
      if (type === MessageType.hello) {
        // The client sends nothing more before HELLO_REPLY (session-v1 §2).
        if (backlog.length > 0)
          this.refuse(transport, 'protocol', RefuseCode.protocol, 'messages after HELLO before its reply');
        else this.onHello(transport, msg, source);
      } else if (type === MessageType.join) this.onJoin(transport, msg, backlog);
      else
        this.refuse(transport, 'protocol', RefuseCode.protocol, `expected HELLO or JOIN, got type ${type}`);
    } catch (e) {
      this.refuse(transport, 'protocol', RefuseCode.protocol, (e as Error).message);
    }
  }

  /**
   * session-v1 §7: refuses new sessions, sends every session GOAWAY, closes each once it is drained (or
   * has neither path nor stream), and closes whatever is left after `deadlineMs`.
   */
  async shutdown(deadlineMs = this.options.drainTimeoutMs): Promise<void> {
    this.draining = true;
    this.halfOpen.clear();
    for (const s of this.sessions.values()) s.goAway(deadlineMs);
    const end = Date.now() + deadlineMs;
    for (;;) {
      for (const s of [...this.sessions.values()]) {
        if (s.drained || (s.pathCount === 0 && s.stats.streams === 0)) s.close();
      }
      const left = end - Date.now();
      if (this.sessions.size === 0 || left <= 0) break;
      await sleep(Math.min(50, left));
    }
    this.close();
  }

  /** Closes every session at once. */
  close(): void {
    this.draining = true;
    this.halfOpen.clear();
    for (const s of [...this.sessions.values()]) s.close();
  }

  /** Sends REFUSE and closes; `label` names the reason in the handshake-failure metric. */
  private refuse(transport: PathTransport, label: string, code: number, reason: string): void {
    this.hooks.handshakeFailed?.(label);
    transport.send(encodeRefuse(code, reason));
    transport.close(CloseCode.protocol, reason.slice(0, 100));
  }

  /** There is room for one more session, or a pathless one could make room (§2.1 rule 5). */
  private hasRoom(): boolean {
    return this.sessions.size < this.options.maxSessions || this.idleTimers.size > 0;
  }

  /** Makes room for one more session, if need be by freeing the one pathless longest; false if it cannot. */
  private makeRoom(): boolean {
    if (this.sessions.size < this.options.maxSessions) return true;
    for (const pathless of this.idleTimers.keys()) {
      pathless.close();
      return true;
    }
    return false;
  }

  /** session-v1 §2.1 rules 2, 5, 6, then the reply; the entry stays half-open (rule 3). */
  private onHello(transport: PathTransport, msg: Uint8Array, source: string): void {
    if (this.draining) {
      this.refuse(transport, 'draining', RefuseCode.busy, BUSY);
      return;
    }
    if (!this.hasRoom()) {
      this.refuse(transport, 'session-limit', RefuseCode.busy, BUSY);
      return;
    }
    const e = helloEphemeral(msg);
    if (this.replays.has(e)) {
      this.refuse(transport, 'replay', RefuseCode.protocol, 'protocol error');
      return;
    }
    const noise = new NkResponder(this.keys, PROLOGUE);
    let payload: Uint8Array;
    try {
      payload = noise.readMessage1(msg.subarray(2));
    } catch {
      this.refuse(transport, 'bad-key', RefuseCode.badHandshake, 'handshake failed: wrong egress key?');
      return;
    }
    const hello = decodeHelloPayload(payload);
    if (!usableWindows(hello)) {
      this.refuse(transport, 'protocol', RefuseCode.protocol, 'unusable windows');
      return;
    }
    const skewMs = hello.time - Date.now();
    if (Math.abs(skewMs) > this.options.helloWindowMs) {
      this.refuse(transport, 'clock', RefuseCode.protocol, 'HELLO time is out of range: check the clock');
      return;
    }
    this.replays.add(e);
    const sessionId = randomBytes(16);
    const msg2 = noise.writeMessage2(
      encodeHelloReplyPayload({
        sessionId,
        streamWindow: this.options.streamWindow,
        sessionWindow: this.options.sessionWindow,
        idleTimeoutMs: this.options.idleTimeoutMs,
      }),
    );
    const reply = envelope(MessageType.helloReply, msg2.length);
    reply.set(msg2, 2);
    transport.send(reply);
    void this.awaitFirstRecord(transport, source, { hello, sessionId, keys: noise.split() });
  }

  /** session-v1 §2.1 rules 3 and 4: half-open until the client's first record proves its keys. */
  private async awaitFirstRecord(
    transport: PathTransport,
    source: string,
    answered: Answered,
  ): Promise<void> {
    const entry: HalfOpen = {
      source,
      evict: () => {
        this.hooks.handshakeFailed?.('half-open-evicted');
        transport.close(CloseCode.overQueue, BUSY);
      },
    };
    this.halfOpen.add(entry);
    let first: Uint8Array;
    let backlog: Uint8Array[];
    try {
      ({ first, backlog } = await nextMessage(
        transport,
        this.options.halfOpenTimeoutMs,
        'first record',
        this.options.handshakeBacklogBytes,
      ));
    } catch {
      if (this.halfOpen.remove(entry)) {
        this.hooks.handshakeFailed?.('first-record-timeout');
        transport.close(CloseCode.timeout, 'no first record');
      }
      return;
    }
    if (!this.halfOpen.remove(entry)) return; // pushed out meanwhile; its path is closed
    const { hello } = answered;
    if (!isFirstRecord(answered.keys.recv, hello.pathId, first)) {
      this.hooks.handshakeFailed?.('first-record-bad');
      transport.close(CloseCode.badRecord, 'the first record did not authenticate');
      return;
    }
    if (this.draining || !this.makeRoom()) {
      this.hooks.handshakeFailed?.(this.draining ? 'draining' : 'session-limit');
      transport.close(CloseCode.goingAway, BUSY);
      return;
    }
    this.commit(transport, answered, [first, ...backlog]);
  }

  private commit(transport: PathTransport, answered: Answered, messages: Uint8Array[]): void {
    const { hello, sessionId } = answered;
    const session = new Session({
      role: 'egress',
      sessionId,
      keys: answered.keys,
      peerStreamWindow: hello.streamWindow,
      peerSessionWindow: hello.sessionWindow,
      options: this.options,
    });
    const key = sessionId.toString('hex');
    this.sessions.set(key, session);
    this.hooks.sessionOpened?.(session);
    session.on('stream', (stream: SessionStream, host: string, port: number) =>
      this.onStream(session, stream, host, port),
    );
    session.on('no-paths', () => this.startIdle(session));
    session.on('closed', () => {
      this.stopIdle(session);
      this.sessions.delete(key);
    });
    session.addPath(hello.pathId, transport, { backlog: messages });
  }

  private onJoin(transport: PathTransport, msg: Uint8Array, backlog: Uint8Array[]): void {
    const join = decodeJoin(msg);
    const session = this.find(join.sessionId);
    if (!session) {
      this.refuse(transport, 'unknown-session', RefuseCode.unknownSession, 'unknown or expired session');
      return;
    }
    const ok = open(session.joinKey, joinNonce(join.pathId), join.signed, join.tag) !== null;
    if (!ok || !session.canUsePathId(join.pathId)) {
      this.refuse(transport, 'bad-join', RefuseCode.badJoin, 'join not authenticated or path id reused');
      return;
    }
    if (session.pathIds.length >= this.options.maxPathsPerSession) {
      // The JOIN authenticated: this is the session's own client, who may know why.
      this.refuse(transport, 'path-limit', RefuseCode.busy, 'session is at its path limit');
      return;
    }
    this.stopIdle(session);
    // On probation until the client answers on it (session-v1 §5.1): our greeting's PING asks it to.
    session.addPath(join.pathId, transport, { backlog, greet: true });
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
}
