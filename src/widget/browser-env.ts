/** The browser's own WebRTC, WebSocket and fetch as the relay core's environment (src/volunteer/env.ts). */
import type { RelayEnv } from '../volunteer/env.js';

export function browserEnv(iceServers: string[]): RelayEnv {
  const env: RelayEnv = {
    RTCPeerConnection: globalThis.RTCPeerConnection,
    WebSocket: globalThis.WebSocket,
    fetch: globalThis.fetch,
  };
  if (iceServers.length > 0) env.rtcConfig = { iceServers: [{ urls: iceServers }] };
  return env;
}
