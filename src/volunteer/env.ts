/**
 * What the volunteer relay core needs from its host: a browser tab, an extension, or Node
 * (src/volunteer/node.ts). Types only; the core uses nothing else from its environment, so every host runs
 * the same relay (test/volunteer/relay-suite.ts proves each).
 */
import type { NatClass } from '../signaling/fields.js';

export interface RelayEnv {
  /** A standard `RTCPeerConnection` constructor. */
  RTCPeerConnection: { new (config?: RTCConfiguration): RTCPeerConnection };
  /** A standard `WebSocket` constructor (binaryType `arraybuffer`, `bufferedAmount`, EventTarget events). */
  WebSocket: { new (url: string, protocols?: string | string[]): WebSocket };
  /** A standard `fetch`; it is called unbound, so pass `globalThis.fetch` itself, not a method of another object. */
  fetch: typeof fetch;
  /**
   * Configuration for every peer connection; its `iceServers`, when given, replace the broker's (signaling-v1
   * §3), e.g. servers named on the command line.
   */
  rtcConfig?: RTCConfiguration;
  /** Detects this host's NAT class with these ICE servers (src/shared/nat-class.ts); none: `unknown`. */
  detectNat?: (servers: readonly RTCIceServer[]) => Promise<NatClass>;
  /**
   * The host may choose its DTLS role per path (path-v1 §1.2): true for Node, whose peer connections are
   * libdatachannel's like the client's, so the ClientHello's shape tells a censor nothing either way
   * (docs/dtls.md). A browser stays the DTLS client, so that its own ClientHello crosses (issue 12).
   * @default false
   */
  picksDtlsRole?: boolean;
  /** What the host can tell of itself, for `pauseWhenHidden` and `pauseOnBattery`; none: never paused for them. */
  conditions?: HostConditions;
}

/** The host's state that a volunteer may choose to pause for. */
export interface Conditions {
  /** Hidden: a background tab, a minimized window. */
  hidden: boolean;
  /** The device runs on battery (false where the host cannot tell). */
  onBattery: boolean;
}

export interface HostConditions {
  /**
   * Starts watching what `wants` names (only that: the battery is asked for only when wanted) and calls
   * `onChange` with the reading now and after each change; returns the function that stops watching.
   */
  watch(wants: { hidden: boolean; battery: boolean }, onChange: (now: Conditions) => void): () => void;
}
