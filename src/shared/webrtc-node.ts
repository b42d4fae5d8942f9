/**
 * Node-only WebRTC: a standard `RTCPeerConnection` class on node-datachannel's polyfill, with the native
 * options that the standard configuration cannot express (bind address, plain ICE server URLs). Used by the
 * Node volunteer (src/volunteer/node.ts) and the client.
 */
import { cleanup, initLogger, type LogLevel, PeerConnection } from 'node-datachannel';

// STARLING_RTC_LOG=Debug (or Verbose, Info, Warning, Error) turns on libdatachannel's own log, for diagnosis.
const rtcLog = process.env.STARLING_RTC_LOG;
if (rtcLog) initLogger(rtcLog as LogLevel);

import { RTCPeerConnection as PolyfillPeerConnection } from 'node-datachannel/polyfill';

export interface NodeRtcOptions {
  /** Local address ICE gathers candidates on; `127.0.0.1` keeps everything on loopback. Default: all. */
  bindAddress?: string;
  /** STUN/TURN URLs (`stun:host:port`); overrides `iceServers` of the standard configuration. */
  iceServers?: string[];
}

/**
 * An offer as a node-datachannel answerer sees it: `actpass` becomes `active`, so that libdatachannel answers
 * `passive` and is the DTLS server (path-v1 §1). libdatachannel on its own answers `actpass` with `active`,
 * and as a DTLS client it sends its ClientHello as soon as its own ICE check succeeds, often before the
 * offerer's DTLS transport exists; OpenSSL resends it only after a fixed 1 s (docs/dtls.md, "Roles"). The
 * offerer (a Starling client) keeps whatever role the answer leaves it, which RFC 8842 §5.3 allows.
 */
export function offerForNodeAnswerer(sdp: string): string {
  return sdp.replace(/^a=setup:actpass(\r?)$/gm, 'a=setup:active$1');
}

type RtcPeerConnectionClass = { new (config?: RTCConfiguration): RTCPeerConnection };

let created = 0;

function iceServerUrls(config: RTCConfiguration | undefined): string[] {
  const urls: string[] = [];
  for (const server of config?.iceServers ?? []) {
    for (const url of Array.isArray(server.urls) ? server.urls : [server.urls]) {
      if (server.username !== undefined && typeof server.credential === 'string') {
        const [scheme, rest] = url.split(/:(.*)/s);
        urls.push(`${scheme}:${server.username}:${server.credential}@${rest ?? ''}`);
      } else urls.push(url);
    }
  }
  return urls;
}

/**
 * A standard `RTCPeerConnection` constructor whose instances run on libdatachannel with `opts` applied.
 * The polyfill accepts a ready native connection as `config.peerConnection`, which is how `bindAddress`
 * reaches libdatachannel.
 */
export function nodeRtcPeerConnectionClass(opts: NodeRtcOptions): RtcPeerConnectionClass {
  class NodeRtcPeerConnection extends PolyfillPeerConnection {
    constructor(config?: RTCConfiguration) {
      created += 1;
      const native = new PeerConnection(`starling-${created}`, {
        iceServers: opts.iceServers ?? iceServerUrls(config),
        ...(opts.bindAddress === undefined ? {} : { bindAddress: opts.bindAddress }),
      });
      super({ ...config, iceServers: [], peerConnection: native });
    }

    override setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
      if (description.type !== 'offer' || description.sdp === undefined)
        return super.setRemoteDescription(description);
      return super.setRemoteDescription({ ...description, sdp: offerForNodeAnswerer(description.sdp) });
    }
  }
  // The polyfill types `ondatachannel` with its own event class (runtime-compatible with the DOM one), so
  // TypeScript does not see it as a DOM RTCPeerConnection.
  return NodeRtcPeerConnection as unknown as RtcPeerConnectionClass;
}

/**
 * Closes every node-datachannel peer connection and data channel in this process and stops its threads.
 * A process with an unclosed peer connection does not exit by itself; call this at shutdown, after the
 * components have closed what they own. Peer connections cannot be created afterwards.
 */
export function closeNodeWebRtc(): void {
  cleanup();
}
