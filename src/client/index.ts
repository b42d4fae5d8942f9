/**
 * `@starling-bridge/starling/client` (also the package's main entry): the client as a library
 * (docs/client-library.md).
 *
 *   const client = createClient({ broker: 'https://broker.example.org/', egressKey: 'base64url...' });
 *   const socket = await client.open('example.com', 443);
 *
 * Underneath, a Tunnel holds one session with an egress over volunteers' data channels and is a Dialer; the
 * SOCKS5 and HTTP proxy servers are front ends over any Dialer. `starling client` (src/cli/roles.ts) is
 * built from these.
 */
export { decodeKey, encodeKey } from '../session/noise.js';
export { HandshakeError, NoPathError, StreamError } from '../shared/errors.js';
export { closeNodeWebRtc, type NodeRtcOptions, nodeRtcPeerConnectionClass } from '../shared/webrtc-node.js';
export { BrokerClient, type BrokerClientOptions, SignalingError } from '../signaling/client.js';
export type { ClientEvents, ClientOptions, VolunteerChange } from './client.js';
export { createClient, StarlingClient } from './client.js';
export type { Dialer } from './dialer.js';
export { DIRECT_PATH_NAME, type DirectPathMode, type DirectPathOptions } from './direct-target.js';
export { createHttpProxyServer, type HttpProxyOptions } from './http-proxy.js';
export { createSocksServer, type SocksServerOptions } from './socks5.js';
export type { ClientStatus, Problem, ProblemKind } from './status.js';
export { Tunnel, type TunnelEvents, type TunnelOptions } from './tunnel.js';
