/**
 * What the volunteer relay core needs from its host: a browser tab, an extension, or Node
 * (src/volunteer/node.ts). Types only; the core uses nothing else from its environment, so every host runs
 * the same relay (test/volunteer/relay-suite.ts proves each).
 */
export interface RelayEnv {
  /** A standard `RTCPeerConnection` constructor. */
  RTCPeerConnection: { new (config?: RTCConfiguration): RTCPeerConnection };
  /** A standard `WebSocket` constructor (binaryType `arraybuffer`, `bufferedAmount`, EventTarget events). */
  WebSocket: { new (url: string, protocols?: string | string[]): WebSocket };
  /** A standard `fetch`; it is called unbound, so pass `globalThis.fetch` itself, not a method of another object. */
  fetch: typeof fetch;
  /** Configuration for every peer connection (e.g. STUN servers). */
  rtcConfig?: RTCConfiguration;
}
