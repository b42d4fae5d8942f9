/**
 * The Node host of the volunteer relay core: node-datachannel for WebRTC, the `ws` package for the
 * WebSocket to the egress, Node's global fetch for the broker.
 */
import { WebSocket as WsWebSocket } from 'ws';
import { SESSION_DEFAULTS } from '../shared/limits.js';
import { type NodeRtcOptions, nodeRtcPeerConnectionClass } from '../shared/webrtc-node.js';
import type { RelayEnv } from './env.js';

export type { NodeRtcOptions } from '../shared/webrtc-node.js';

/**
 * `ws` with what a browser WebSocket does by itself: no compression (path messages are ciphertext), and a
 * cap on one message at the session's largest (session-v1 §1) so a broken egress cannot make us buffer more.
 */
class NodeWebSocket extends WsWebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { perMessageDeflate: false, maxPayload: SESSION_DEFAULTS.maxMessageBytes });
  }
}

/** A RelayEnv for Node. Call `closeNodeWebRtc()` (src/shared/webrtc-node.ts) at process shutdown if needed. */
export function nodeRelayEnv(opts: NodeRtcOptions = {}): RelayEnv {
  const fetchFn = globalThis.fetch;
  return {
    RTCPeerConnection: nodeRtcPeerConnectionClass(opts),
    // `ws` implements the part of the standard WebSocket the relay uses (addEventListener for open, message,
    // close and error; binaryType 'arraybuffer'; bufferedAmount; protocol; readyState; send; close), but its
    // typings are its own, so TypeScript needs telling.
    WebSocket: NodeWebSocket as unknown as RelayEnv['WebSocket'],
    fetch: (input, init) => fetchFn(input, init),
  };
}
