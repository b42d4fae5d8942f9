/**
 * The browser's own WebRTC, WebSocket and fetch as the relay core's environment (src/volunteer/env.ts), with
 * its visibility and battery for the relay's pause options.
 */
import type { RelayEnv } from '../volunteer/env.js';
import { browserConditions } from './conditions.js';

export function browserEnv(iceServers: string[]): RelayEnv {
  const env: RelayEnv = {
    RTCPeerConnection: globalThis.RTCPeerConnection,
    WebSocket: globalThis.WebSocket,
    fetch: globalThis.fetch,
    conditions: browserConditions,
  };
  if (iceServers.length > 0) env.rtcConfig = { iceServers: [{ urls: iceServers }] };
  return env;
}
