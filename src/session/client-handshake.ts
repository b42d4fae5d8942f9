/**
 * Client side of a path's first exchange: HELLO for a new session (session-v1 §2) or JOIN to add a
 * path to an existing one (session-v1 §5.1).
 */
import { HandshakeError, ProtocolError } from '../shared/errors.js';
import type { SessionOptions } from '../shared/limits.js';
import { printable } from '../shared/printable.js';
import { NkInitiator, seal } from './noise.js';
import { resolveSessionOptions } from './options.js';
import { Session } from './session.js';
import { nextMessage, type PathTransport } from './transport.js';
import {
  decodeHelloReplyPayload,
  decodeRefuse,
  encodeHelloPayload,
  encodeJoinHead,
  envelope,
  joinNonce,
  MessageType,
  messageType,
  PROLOGUE,
  RefuseCode,
  usableWindows,
} from './wire.js';

/** Runs HELLO on `transport` and returns the new session with the path attached. */
export async function startSession(
  transport: PathTransport,
  egressKey: Uint8Array,
  pathId: number,
  options: Partial<SessionOptions> = {},
): Promise<{ session: Session; idleTimeoutMs: number }> {
  const opts = resolveSessionOptions(options);
  const noise = new NkInitiator(egressKey, PROLOGUE);
  const msg1 = noise.writeMessage1(
    encodeHelloPayload({
      pathId,
      streamWindow: opts.streamWindow,
      sessionWindow: opts.sessionWindow,
      time: Date.now(),
    }),
  );
  const hello = envelope(MessageType.hello, msg1.length);
  hello.set(msg1, 2);
  const reply = nextMessage(transport, opts.handshakeTimeoutMs, 'handshake', opts.handshakeBacklogBytes);
  transport.send(hello);
  const { first: msg, backlog } = await reply;
  const type = messageType(msg, opts.maxMessageBytes);
  if (type === MessageType.refuse) {
    // A REFUSE is unauthenticated (session-v1 §6): its reason is a stranger's text, bound for a terminal.
    const r = decodeRefuse(msg);
    r.reason = printable(r.reason);
    if (r.code === RefuseCode.badHandshake) {
      throw new HandshakeError(
        `the egress refused the handshake: it does not hold the pinned key (${r.reason})`,
        'wrong-key',
      );
    }
    throw new HandshakeError(`the egress refused the session: ${r.reason}`);
  }
  if (type !== MessageType.helloReply) throw new ProtocolError(`expected HELLO_REPLY, got type ${type}`);
  let payload: Uint8Array;
  try {
    payload = noise.readMessage2(msg.subarray(2));
  } catch {
    throw new HandshakeError(
      'egress key mismatch: the egress did not prove it holds the pinned public key',
      'wrong-key',
    );
  }
  const reply2 = decodeHelloReplyPayload(payload);
  if (!usableWindows(reply2)) throw new ProtocolError('egress announced unusable windows');
  const session = new Session({
    role: 'client',
    sessionId: reply2.sessionId,
    keys: noise.split(),
    peerStreamWindow: reply2.streamWindow,
    peerSessionWindow: reply2.sessionWindow,
    options: opts,
  });
  // session-v1 §2: our first record goes at once; it is what commits the session at the egress (§2.1).
  session.addPath(pathId, transport, { backlog, proven: true, greet: true });
  return { session, idleTimeoutMs: reply2.idleTimeoutMs };
}

/**
 * Adds `transport` to `session` as path `pathId` (never used before, session-v1 §5.1). Resolves when the egress
 * accepted it (its first RECORD on the path), rejects on REFUSE, close or timeout.
 */
export async function joinSession(session: Session, transport: PathTransport, pathId: number): Promise<void> {
  const head = encodeJoinHead(session.id, pathId);
  const tag = seal(session.joinKey, joinNonce(pathId), head, new Uint8Array(0));
  const join = Buffer.allocUnsafe(head.length + tag.length);
  join.set(head, 0);
  join.set(tag, head.length);
  const o = session.options;
  const first = nextMessage(transport, o.handshakeTimeoutMs, 'join', o.handshakeBacklogBytes);
  transport.send(join);
  const { first: msg, backlog } = await first;
  const type = messageType(msg, session.options.maxMessageBytes);
  if (type === MessageType.refuse) {
    const r = decodeRefuse(msg);
    r.reason = printable(r.reason);
    throw new HandshakeError(
      `the egress refused to join the path: ${r.reason}`,
      r.code === RefuseCode.unknownSession ? 'unknown-session' : 'refused',
    );
  }
  if (type !== MessageType.record) throw new ProtocolError(`expected a RECORD after JOIN, got type ${type}`);
  // The egress's first record (an ACK and a PING) proves the path; we answer its PING (session-v1 §5.1).
  session.addPath(pathId, transport, { backlog: [msg, ...backlog] });
}
