/**
 * The browser's own WebRTC, WebSocket and fetch as the relay core's environment (src/volunteer/env.ts), with
 * its visibility and battery for the relay's pause options, and NAT detection through its own ICE.
 */
import { detectNatWeb } from '../shared/nat-detect.js';
import type { RelayEnv } from '../volunteer/env.js';
import { browserConditions } from './conditions.js';

export function browserEnv(iceServers: string[]): RelayEnv {
  const env: RelayEnv = {
    RTCPeerConnection: globalThis.RTCPeerConnection,
    WebSocket: globalThis.WebSocket,
    fetch: globalThis.fetch,
    conditions: browserConditions,
    // Issue 10: the NAT class from the server-reflexive candidates of the broker's (or data-stun's) servers.
    detectNat: (servers) => detectNatWeb(servers, globalThis.RTCPeerConnection),
  };
  if (iceServers.length > 0) env.rtcConfig = { iceServers: [{ urls: iceServers }] };
  return env;
}
