/**
 * What every path end agrees on (docs/spec/path-v1.md): the data-channel label, the WebSocket subprotocol,
 * the close codes and GOODBYE. Web-standard and Buffer-free: the volunteer relay core (browser, extension,
 * Node), the client's and the egress's path adapters and the session all take these from here.
 */

/** path-v1 §1: label of the one data channel a client opens per path. */
export const PATH_LABEL = 'starling/1';

/** path-v1 §1: WebSocket subprotocol between volunteer and egress. */
export const PATH_SUBPROTOCOL = 'starling.path.v1';

/** path-v1 §4: close codes. */
export const CloseCode = {
  normal: 1000,
  /** Egress going away; never sent by a volunteer (browsers may not send it). */
  goingAway: 1001,
  /** The path ended without a close code (a data channel carries none); reported locally, never sent. */
  abnormal: 1006,
  protocol: 4400,
  badRecord: 4401,
  egressNotAllowed: 4403,
  timeout: 4408,
  overQueue: 4413,
} as const;

/**
 * path-v1 §3: the two-byte GOODBYE a volunteer sends when switched off: the session-v1 §1 envelope
 * (version 0x01) with message type 0x7e and nothing after it. Copy it per send (path-v1 §2).
 */
export const GOODBYE = Uint8Array.of(0x01, 0x7e);
