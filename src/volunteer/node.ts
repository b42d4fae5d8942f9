/**
 * The Node host of the volunteer relay core: node-datachannel for WebRTC, the `ws` package for the
 * WebSocket to the egress, Node's global fetch for the broker.
 */
import { WebSocket as WsWebSocket } from 'ws';
import { caFetch } from '../shared/ca-fetch.js';
import { SESSION_DEFAULTS } from '../shared/limits.js';
import { detectNatNode } from '../shared/nat-detect-node.js';
import { type NodeRtcOptions, nodeRtcPeerConnectionClass } from '../shared/webrtc-node.js';
import type { RelayEnv } from './env.js';

export type { NodeRtcOptions } from '../shared/webrtc-node.js';

/**
 * `ws` with what a browser WebSocket does by itself: no compression (path messages are ciphertext), and a
 * cap on one message at the session's largest (session-v1 §1) so a broken egress cannot make us buffer more.
 */
function nodeWebSocket(ca: string | undefined) {
  return class NodeWebSocket extends WsWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, {
        perMessageDeflate: false,
        maxPayload: SESSION_DEFAULTS.maxMessageBytes,
        ...(ca === undefined ? {} : { ca }),
      });
    }
  };
}

/**
 * A RelayEnv for Node; with `ca` (PEM), the broker's HTTPS and the egress's `wss:` are trusted only under
 * those certificates (`--ca FILE`). Await `closeNodeWebRtc()` (src/shared/webrtc-node.ts) at process
 * shutdown if needed.
 */
export function nodeRelayEnv(opts: NodeRtcOptions = {}, ca?: string): RelayEnv {
  const fetchFn = ca === undefined ? globalThis.fetch : caFetch(ca);
  // Servers named here (the command line) go into the standard configuration, where they replace the
  // broker's; TURN credentials then reach libdatachannel as structured fields (src/shared/webrtc-node.ts).
  const { iceServers, ...native } = opts;
  return {
    RTCPeerConnection: nodeRtcPeerConnectionClass(native),
    ...(iceServers === undefined || iceServers.length === 0
      ? {}
      : { rtcConfig: { iceServers: iceServers.map((urls) => ({ urls })) } }),
    picksDtlsRole: true,
    detectNat: (servers) =>
      detectNatNode(servers, opts.bindAddress === undefined ? {} : { bindAddress: opts.bindAddress }),
    // `ws` implements the part of the standard WebSocket the relay uses (addEventListener for open, message,
    // close and error; binaryType 'arraybuffer'; bufferedAmount; protocol; readyState; send; close), but its
    // typings are its own, so TypeScript needs telling.
    WebSocket: nodeWebSocket(ca) as unknown as RelayEnv['WebSocket'],
    fetch: (input, init) => fetchFn(input, init),
  };
}
