/**
 * `@starling-bridge/starling/egress`: the egress as a library: the WebSocket server where sessions end,
 * its destination policy, and the key pair clients pin.
 */
export { encodeKey, generateKeyPair, type KeyPair, publicKeyFromPrivate } from '../session/noise.js';
export { DestinationPolicy, type PolicyOptions, parsePortRanges } from './policy.js';
export { checkEgressPath, createEgress, type Egress, type EgressOptions } from './server.js';
