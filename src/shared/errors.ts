/**
 * Typed errors with stable codes. Each code maps to what is sent to the peer: a session RESET code
 * (session-v1 §4.2), a SOCKS5 reply, an HTTP status.
 */

export const RESET_CODES = {
  general: 1,
  'not-allowed': 2,
  'net-unreachable': 3,
  'host-unreachable': 4,
  refused: 5,
  timeout: 6,
  'dns-failed': 7,
  closed: 8,
  'flow-control': 9,
  busy: 10,
} as const;
export type ResetReason = keyof typeof RESET_CODES;

const SOCKS_REPLY: Record<ResetReason, number> = {
  general: 0x01,
  'not-allowed': 0x02,
  'net-unreachable': 0x03,
  'host-unreachable': 0x04,
  refused: 0x05,
  timeout: 0x06,
  'dns-failed': 0x04,
  closed: 0x01,
  'flow-control': 0x01,
  busy: 0x01,
};

const HTTP_STATUS: Record<ResetReason, number> = {
  general: 502,
  'not-allowed': 403,
  'net-unreachable': 502,
  'host-unreachable': 502,
  refused: 502,
  timeout: 504,
  'dns-failed': 502,
  closed: 502,
  'flow-control': 502,
  busy: 503,
};

export function resetReasonFromCode(code: number): ResetReason {
  for (const [name, value] of Object.entries(RESET_CODES)) if (value === code) return name as ResetReason;
  return 'general';
}

/** A stream could not be opened or was aborted; `reason` says why in terms every front end maps. */
export class StreamError extends Error {
  override readonly name = 'StreamError';
  constructor(
    readonly reason: ResetReason,
    message?: string,
  ) {
    super(message ?? `stream ${reason}`);
  }
  get socksReply(): number {
    return SOCKS_REPLY[this.reason];
  }
  get httpStatus(): number {
    return HTTP_STATUS[this.reason];
  }
}

/** The peer broke the wire protocol; the message says which rule. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** The pinned egress key did not match, or the handshake was otherwise refused. */
/**
 * Why a path's HELLO or JOIN failed: `wrong-key` (the egress cannot or did not prove the pinned key),
 * `unknown-session` (the egress no longer has the session), `refused` (anything else: busy, protocol).
 * A REFUSE is unauthenticated (session-v1 §6), so none of these alone may end more than that path.
 */
export type HandshakeFailure = 'wrong-key' | 'unknown-session' | 'refused';

export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  constructor(
    message: string,
    readonly failure: HandshakeFailure = 'refused',
  ) {
    super(message);
  }
}

/** The client has no way to reach the egress (no volunteer, broker down); never fall back to direct. */
export class NoPathError extends Error {
  override readonly name = 'NoPathError';
}
