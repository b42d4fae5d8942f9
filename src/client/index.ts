/**
 * `@starling-bridge/starling/client` (also the package's main entry): the client as a library. A Tunnel
 * holds one session with an egress over volunteers' data channels and is a Dialer; the SOCKS5 and HTTP
 * proxy servers are front ends over any Dialer. `starling client` (src/cli/roles.ts) is built from these.
 */
export { decodeKey, encodeKey } from '../session/noise.js';
export { closeNodeWebRtc, type NodeRtcOptions, nodeRtcPeerConnectionClass } from '../shared/webrtc-node.js';
export { BrokerClient, type BrokerClientOptions, SignalingError } from '../signaling/client.js';
export type { Dialer } from './dialer.js';
export { createHttpProxyServer, type HttpProxyOptions } from './http-proxy.js';
export { createSocksServer, type SocksServerOptions } from './socks5.js';
export { Tunnel, type TunnelEvents, type TunnelOptions } from './tunnel.js';
